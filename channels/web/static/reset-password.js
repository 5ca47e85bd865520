// Asks for a reset link, or (opened from one) sets the new password. The link's token is in the
// fragment, which never reaches a server or its log; it is taken off the address bar at once.
"use strict";

const token = new URLSearchParams(location.hash.slice(1)).get("token");
if (token) history.replaceState(null, "", location.pathname);

const answer = document.querySelector("[data-testid=reset-answer]");
const ask = document.querySelector("[data-testid=ask-form]");
const choose = document.querySelector("[data-testid=choose-form]");

function say(text) {
  answer.textContent = text;
  answer.hidden = false;
}

async function post(path, body) {
  const response = await fetch(path, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  const data = await response.json().catch(() => ({}));
  const detail = Array.isArray(data.detail) ? "Check what you typed." : data.detail;
  return { ok: response.ok, detail: detail || "That did not work; please try again." };
}

(token ? choose : ask).hidden = false;

ask.addEventListener("submit", async (event) => {
  event.preventDefault();
  const email = ask.querySelector("[data-testid=email]").value.trim();
  say((await post("/api/v1/auth/password-reset", { email })).detail);
});

choose.addEventListener("submit", async (event) => {
  event.preventDefault();
  const password = choose.querySelector("[data-testid=new-password]").value;
  const done = await post("/api/v1/auth/password-reset/complete", {
    token,
    new_password: password,
  });
  say(done.detail);
  if (done.ok) choose.hidden = true;
});
