"""Session fixation in the web chat (issue 16): an attacker's chat session must never become
the session a victim's browser chats in, so nothing the victim proves lands where the attacker
reads it.

Two ways in, both in Chromium: a link to the chat carrying the attacker's `?session=`, and a
page on another site that opens the chat's socket with the attacker's session (the socket is
not bound by the browser's same-origin rule, so the page sees every frame).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import Browser, expect

from testkit.chat_client import ChatClient
from testkit.live import LiveServer, live_server

VICTOR = "I'm Victor Victim, +49 170 5550400"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with live_server(tmp_path_factory.mktemp("fixation") / "data") as running:
        yield running


@contextmanager
def attackers_site(page: str) -> Iterator[str]:
    """Serve one page from another origin (another port of this machine); yield its URL."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = page.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_: object) -> None:
            pass

    site = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=site.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{site.server_port}/offer"
    finally:
        site.shutdown()
        site.server_close()


def attackers_session(server: LiveServer) -> str:
    with ChatClient(server.ws_url) as attacker:
        return attacker.session


def socket_page(server: LiveServer, session: str) -> str:
    """A page on another site that opens the chat socket in the attacker's session."""
    url = json.dumps(f"{server.ws_url}/ws/chat?session={session}")
    said = json.dumps({"type": "message", "id": "m1", "text": VICTOR})
    return f"""<!doctype html><title>Book your appointment</title><script>
      window.frames_seen = []; window.socket_closed = false;
      const socket = new WebSocket({url});
      socket.onmessage = (event) => {{
        const frame = JSON.parse(event.data);
        window.frames_seen.push(frame);
        if (frame.type === "hello") socket.send({json.dumps(said)});
      }};
      socket.onclose = socket.onerror = () => {{ window.socket_closed = true; }};
    </script>"""


def test_a_page_on_another_site_cannot_chat_in_the_attackers_session(
    browser: Browser, server: LiveServer
) -> None:
    session = attackers_session(server)
    context = browser.new_context()
    page = context.new_page()
    with attackers_site(socket_page(server, session)) as elsewhere:
        page.goto(elsewhere)
        page.wait_for_function(
            "window.socket_closed || window.frames_seen.length > 1", timeout=30_000
        )
        seen = page.evaluate("window.frames_seen")
    context.close()
    assert [frame["type"] for frame in seen] == [], seen  # refused before any hello
    with ChatClient(server.ws_url, session=session) as attacker:
        assert attacker.hello["history"] == []  # nothing the victim said reached the attacker


def test_a_link_carrying_a_session_opens_a_session_of_the_browsers_own(
    browser: Browser, server: LiveServer
) -> None:
    session = attackers_session(server)
    context = browser.new_context(base_url=server.base_url)
    page = context.new_page()
    page.goto(f"/?session={session}")
    expect(page.get_by_test_id("connection-status")).to_have_attribute(
        "data-state", "online", timeout=30_000
    )
    own = page.evaluate("localStorage.getItem('frontdesk.chat.session')")
    context.close()
    assert own
    assert own != session
