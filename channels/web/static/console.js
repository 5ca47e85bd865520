// Frontdesk provider console: sign in, follow every conversation over /ws/console, and step in
// for the agent when a client wants a person. The protocol is the one in the README; the server
// is the only source of truth, so every change on screen comes from a frame it sent.
"use strict";

(() => {
  const TOKEN_KEY = "frontdesk.console.token";
  // A random value naming this tab's sign-in with Microsoft; tokens come back only with it.
  const MICROSOFT_TAB_KEY = "frontdesk.console.microsoft-tab";
  const CLOSE_UNAUTHORIZED = 4401;
  const MAX_FRAME_BYTES = 4096; // larger frames are refused by the server
  const PING_EVERY_MS = 25000; // well inside idle timeouts of proxies, well under the rate limit
  const RECONNECT_FIRST_MS = 1000;
  const RECONNECT_MAX_MS = 30000;
  // A request neither done nor refused by then is given up, so the buttons do not stay locked.
  const REQUEST_TIMEOUT_MS = 15000;
  const BASE_TITLE = document.title;

  const STATUS_LABELS = {
    bot: "Agent",
    waiting_for_human: "Waiting for a person",
    human: "With staff",
    closed: "Closed",
  };
  const CHANNEL_LABELS = { web: "Web chat", telegram: "Telegram", sms: "SMS" };
  // The client's language, so staff know which to answer in (the console itself is English).
  const LANGUAGE_LABELS = { en: "English", de: "German", ru: "Russian" };
  const AUTHOR_LABELS = { client: "Client", agent: "Agent", staff: "Staff", system: "" };
  const ERROR_FALLBACKS = {
    conflict: "Someone else changed this conversation first.",
    forbidden: "You may not do that.",
    not_found: "That conversation no longer exists.",
    rate_limited: "Too many actions at once; wait a moment and try again.",
    unavailable: "The service is busy; try again in a moment.",
  };
  // Why a sign-in with Microsoft failed, as the server says in the address's fragment. The
  // words are ours, so a crafted link cannot make the page say something else.
  const MICROSOFT_FAILURES = {
    cancelled: "Signing in with Microsoft was cancelled.",
    expired:
      "That sign-in with Microsoft took too long or was started in another window. Please try again.",
    mismatch: "Microsoft's answer was not for this sign-in. Please try again.",
    refused: "Microsoft did not confirm the sign-in. Please try again, or ask an administrator.",
    no_role:
      "Your Microsoft account has no Frontdesk role. Ask an administrator to assign you one.",
    not_allowed: "Your Microsoft account may not sign in to Frontdesk. Ask an administrator.",
    unavailable:
      "Microsoft cannot be reached right now. Try again in a moment, or sign in with your password.",
  };

  const byTestId = (id) => document.querySelector(`[data-testid="${id}"]`);
  const ui = {
    signInView: byTestId("sign-in-view"),
    signInForm: byTestId("sign-in-form"),
    username: byTestId("username"),
    password: byTestId("password"),
    signIn: byTestId("sign-in"),
    signInError: byTestId("sign-in-error"),
    signInOther: byTestId("sign-in-other"),
    signInMicrosoft: byTestId("sign-in-microsoft"),
    console: byTestId("console"),
    connection: byTestId("connection-status"),
    me: byTestId("me"),
    signOut: byTestId("sign-out"),
    error: byTestId("error"),
    errorText: byTestId("error-text"),
    errorDismiss: byTestId("error-dismiss"),
    list: byTestId("conversation-list"),
    noConversations: byTestId("no-conversations"),
    noSelection: byTestId("no-selection"),
    conversation: byTestId("conversation"),
    back: byTestId("back"),
    title: byTestId("conversation-title"),
    status: byTestId("conversation-status"),
    holder: byTestId("conversation-holder"),
    handoffReason: byTestId("handoff-reason"),
    takeOver: byTestId("take-over"),
    handBack: byTestId("hand-back"),
    transferSelect: byTestId("transfer-select"),
    transfer: byTestId("transfer"),
    close: byTestId("close"),
    transcript: byTestId("transcript"),
    replyForm: byTestId("reply-form"),
    replyInput: byTestId("reply-input"),
    replySend: byTestId("reply-send"),
  };

  const state = {
    token: sessionStorage.getItem(TOKEN_KEY),
    socket: null,
    me: null,
    colleagues: [],
    conversations: new Map(),
    selectedId: null,
    shownEntryIds: new Set(),
    pending: new Map(), // request id -> {conversationId, onDone, timer}
    requestCount: 0,
    reconnectDelay: RECONNECT_FIRST_MS,
    reconnectTimer: null,
    pingTimer: null,
  };

  // --- Signing in and out ---------------------------------------------------------------

  async function signIn(event) {
    event.preventDefault();
    const username = ui.username.value.trim();
    const password = ui.password.value;
    if (!username || !password) {
      showSignInError("Enter your username and password.");
      return;
    }
    ui.signIn.disabled = true;
    let response;
    try {
      response = await fetch("/api/v1/auth/token", {
        method: "POST",
        body: new URLSearchParams({ username, password }),
      });
    } catch {
      showSignInError("The server cannot be reached. Check the connection and try again.");
      return;
    } finally {
      ui.signIn.disabled = false;
    }
    if (response.status === 401) {
      showSignInError("Wrong username or password.");
      ui.password.value = "";
      ui.password.focus();
      return;
    }
    if (!response.ok) {
      const detail = await response.json().then((body) => body.detail, () => null);
      showSignInError(
        typeof detail === "string" ? detail : `Signing in failed (${response.status}).`,
      );
      return;
    }
    const { access_token: token } = await response.json();
    sessionStorage.setItem(TOKEN_KEY, token);
    state.token = token;
    ui.password.value = "";
    showConsole();
  }

  function signOut(reason) {
    sessionStorage.removeItem(TOKEN_KEY);
    state.token = null;
    disconnect();
    Object.assign(state, {
      me: null,
      colleagues: [],
      conversations: new Map(),
      selectedId: null,
      reconnectDelay: RECONNECT_FIRST_MS,
    });
    ui.list.replaceChildren();
    ui.transcript.replaceChildren();
    state.shownEntryIds.clear();
    hideError();
    document.title = BASE_TITLE;
    ui.console.hidden = true;
    ui.signInView.hidden = false;
    if (reason) {
      showSignInError(reason);
    } else {
      ui.signInError.hidden = true;
    }
    ui.username.focus();
  }

  function signInWithMicrosoft(event) {
    event.preventDefault();
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    const tab = Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
    sessionStorage.setItem(MICROSOFT_TAB_KEY, tab);
    location.assign(`${ui.signInMicrosoft.getAttribute("href")}?tab=${tab}`);
  }

  /** Take what a sign-in with Microsoft left in the address: our token, or why it failed. */
  function takeMicrosoftSignIn() {
    const fields = new URLSearchParams(location.hash.slice(1));
    const token = fields.get("access_token");
    const failure = fields.get("sign_in_error");
    if (token === null && failure === null) {
      return { token: null, failure: null };
    }
    // Out of the address bar and this history entry at once: never bookmarked, shared or shown.
    history.replaceState(null, "", location.pathname + location.search);
    const tab = sessionStorage.getItem(MICROSOFT_TAB_KEY);
    sessionStorage.removeItem(MICROSOFT_TAB_KEY);
    if (token !== null && (tab === null || fields.get("tab") !== tab)) {
      // Not the answer to this tab's sign-in: perhaps a link carrying someone else's token.
      return { token: null, failure: "mismatch" };
    }
    return { token, failure };
  }

  /** Show "Sign in with Microsoft" when the server offers it; the password form works anyway. */
  async function offerMicrosoftSignIn() {
    try {
      const response = await fetch("/api/v1/auth/methods");
      if (response.ok) {
        ui.signInOther.hidden = !(await response.json()).microsoft;
      }
    } catch {
      // Unreachable now; signing in will say so.
    }
  }

  function showSignInError(message) {
    ui.signInError.textContent = message;
    ui.signInError.hidden = false;
  }

  function showConsole() {
    ui.signInView.hidden = true;
    ui.signInError.hidden = true;
    ui.console.hidden = false;
    renderList();
    renderDetail();
    connect();
  }

  // --- The socket -------------------------------------------------------------------------

  function connect() {
    clearTimeout(state.reconnectTimer);
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const url = `${scheme}//${location.host}/ws/console?token=${encodeURIComponent(state.token)}`;
    const socket = new WebSocket(url);
    state.socket = socket;
    setConnection("connecting", "Connecting…");
    socket.addEventListener("open", () => {
      setConnection("open", "Connected");
      state.pingTimer = setInterval(() => send({ type: "ping" }), PING_EVERY_MS);
    });
    socket.addEventListener("message", (event) => handleFrame(event.data));
    socket.addEventListener("close", (event) => onSocketClosed(socket, event));
  }

  function disconnect() {
    clearTimeout(state.reconnectTimer);
    clearInterval(state.pingTimer);
    const socket = state.socket;
    state.socket = null;
    if (socket) {
      socket.close(1000, "signed out");
    }
    abandonPendingRequests();
  }

  function onSocketClosed(socket, event) {
    if (socket !== state.socket) {
      return; // an old socket we already replaced or closed on purpose
    }
    clearInterval(state.pingTimer);
    state.socket = null;
    abandonPendingRequests();
    if (event.code === CLOSE_UNAUTHORIZED) {
      signOut("Your session has ended. Please sign in again.");
      return;
    }
    // Jitter keeps many consoles from coming back in step after a server restart.
    const delay = state.reconnectDelay * (0.8 + Math.random() * 0.4);
    state.reconnectDelay = Math.min(state.reconnectDelay * 2, RECONNECT_MAX_MS);
    setConnection("reconnecting", `Connection lost. Reconnecting in ${Math.ceil(delay / 1000)} s…`);
    state.reconnectTimer = setTimeout(connect, delay);
    renderActions();
  }

  function setConnection(stateName, text) {
    ui.connection.dataset.state = stateName;
    ui.connection.textContent = text;
  }

  function isConnected() {
    return state.socket !== null && state.socket.readyState === WebSocket.OPEN;
  }

  function send(frame) {
    if (!isConnected()) {
      return false;
    }
    state.socket.send(JSON.stringify(frame));
    return true;
  }

  /** Send an action the server answers with `done` or `error`; lock its conversation till then. */
  function request(type, conversationId, fields = {}, onDone = () => {}) {
    if (!isConnected()) {
      showError("Not connected. Wait for the connection to come back, then try again.");
      return;
    }
    state.requestCount += 1;
    const id = `console-${Date.now().toString(36)}-${state.requestCount}`;
    const frame = JSON.stringify({ type, id, conversation_id: conversationId, ...fields });
    if (new TextEncoder().encode(frame).length > MAX_FRAME_BYTES) {
      showError("That message is too long to send. Please shorten it.");
      return;
    }
    state.socket.send(frame);
    const timer = setTimeout(() => settle(id, false), REQUEST_TIMEOUT_MS);
    state.pending.set(id, { conversationId, onDone, timer });
    renderActions();
  }

  function settle(id, succeeded) {
    const pending = state.pending.get(id);
    if (!pending) {
      return;
    }
    clearTimeout(pending.timer);
    state.pending.delete(id);
    if (succeeded) {
      pending.onDone();
    }
    renderActions();
  }

  function abandonPendingRequests() {
    for (const id of [...state.pending.keys()]) {
      settle(id, false);
    }
  }

  // --- Frames from the server -----------------------------------------------------------------

  function handleFrame(data) {
    let frame;
    try {
      frame = JSON.parse(data);
    } catch {
      return;
    }
    switch (frame.type) {
      case "hello":
        onHello(frame);
        break;
      case "conversation":
        onConversation(frame.conversation);
        break;
      case "transcript":
        onTranscript(frame);
        break;
      case "entry":
        onEntry(frame);
        break;
      case "done":
        settle(frame.id, true);
        break;
      case "error":
        onError(frame);
        break;
      default:
        break; // pong, and frame types newer than this page
    }
  }

  function onHello(frame) {
    state.reconnectDelay = RECONNECT_FIRST_MS;
    state.me = frame.me;
    state.colleagues = frame.colleagues.filter((colleague) => colleague.id !== frame.me.id);
    state.conversations = new Map(frame.conversations.map((summary) => [summary.id, summary]));
    ui.me.textContent = `${frame.me.name} · ${frame.me.role}`;
    renderColleagues();
    if (state.selectedId !== null && !state.conversations.has(state.selectedId)) {
      state.selectedId = null;
    }
    renderList();
    renderDetail();
    if (state.selectedId !== null) {
      // After a reconnect the transcript may have grown while we were away: fetch it afresh.
      send({ type: "open", conversation_id: state.selectedId });
    }
  }

  function onConversation(summary) {
    state.conversations.set(summary.id, summary);
    renderList();
    if (summary.id === state.selectedId) {
      keepingTranscriptEnd(renderDetail);
    }
  }

  function onTranscript(frame) {
    if (frame.conversation_id !== state.selectedId) {
      return;
    }
    ui.transcript.replaceChildren();
    state.shownEntryIds.clear();
    frame.entries.forEach(appendEntry);
    ui.transcript.scrollTop = ui.transcript.scrollHeight;
  }

  function onEntry(frame) {
    if (frame.conversation_id !== state.selectedId) {
      return; // still arriving for a conversation opened earlier
    }
    keepingTranscriptEnd(() => appendEntry(frame.entry));
  }

  /** Make a change that may move the transcript, staying at its end if the reader was there. */
  function keepingTranscriptEnd(change) {
    const { scrollHeight, scrollTop, clientHeight } = ui.transcript;
    const atEnd = scrollHeight - scrollTop - clientHeight < 40;
    change();
    if (atEnd) {
      ui.transcript.scrollTop = ui.transcript.scrollHeight;
    }
  }

  function onError(frame) {
    if (frame.id !== undefined && state.pending.has(frame.id)) {
      settle(frame.id, false);
    } else {
      // The protocol lets errors come without the request's id; the refusal is for the
      // latest action, so unlock them all rather than leave buttons stuck.
      abandonPendingRequests();
    }
    showError(frame.detail || ERROR_FALLBACKS[frame.code] || "Something went wrong.");
  }

  // --- Rendering ------------------------------------------------------------------------------

  function el(tag, attributes = {}, ...children) {
    const element = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes)) {
      if (name === "className") {
        element.className = value;
      } else {
        element.setAttribute(name, value);
      }
    }
    element.append(...children);
    return element;
  }

  function statusBadge(status, testId) {
    return el(
      "span",
      { className: "badge", "data-status": status, "data-testid": testId },
      STATUS_LABELS[status] || status,
    );
  }

  function clientName(summary) {
    return summary.client_name || "Visitor";
  }

  function holderName(holder) {
    if (!holder) {
      return null;
    }
    return state.me && holder.id === state.me.id ? "you" : holder.name;
  }

  function formatTime(iso) {
    const when = new Date(iso);
    if (Number.isNaN(when.getTime())) {
      return "";
    }
    const sameDay = when.toDateString() === new Date().toDateString();
    const options = sameDay
      ? { hour: "2-digit", minute: "2-digit" }
      : { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" };
    return when.toLocaleString(undefined, options);
  }

  /** Waiting clients first, closed conversations last, the most recent first within each. */
  function sortedConversations() {
    const rank = (summary) =>
      summary.status === "waiting_for_human" ? 0 : summary.status === "closed" ? 2 : 1;
    return [...state.conversations.values()].sort(
      (a, b) => rank(a) - rank(b) || b.updated_at.localeCompare(a.updated_at),
    );
  }

  function renderList() {
    const focusedId = document.activeElement?.closest("[data-conversation-id]")?.dataset
      .conversationId;
    const items = sortedConversations().map((summary) => {
      const holder = holderName(summary.held_by);
      const meta = [CHANNEL_LABELS[summary.channel] || summary.channel];
      if (holder) {
        meta.push(`held by ${holder}`);
      }
      const button = el(
        "button",
        { type: "button", className: "item-button" },
        el("span", { className: "item-name", "data-testid": "client-name" }, clientName(summary)),
        el(
          "time",
          { className: "item-time", datetime: summary.updated_at },
          formatTime(summary.updated_at),
        ),
        el(
          "span",
          { className: "item-meta" },
          statusBadge(summary.status, "status-badge"),
          ` ${meta.join(" · ")}`,
        ),
        el(
          "span",
          { className: "item-last", "data-testid": "last-message" },
          summary.last_message || "",
        ),
      );
      button.addEventListener("click", () => select(summary.id));
      return el(
        "li",
        {
          className: "conversation-item",
          "data-testid": "conversation-item",
          "data-conversation-id": summary.id,
          "data-status": summary.status,
          "aria-current": String(summary.id === state.selectedId),
        },
        button,
      );
    });
    ui.list.replaceChildren(...items);
    ui.noConversations.hidden = items.length > 0;
    if (focusedId) {
      ui.list.querySelector(`[data-conversation-id="${CSS.escape(focusedId)}"] button`)?.focus();
    }
    const waiting = [...state.conversations.values()].filter(
      (summary) => summary.status === "waiting_for_human",
    ).length;
    document.title = waiting ? `(${waiting}) ${BASE_TITLE}` : BASE_TITLE;
  }

  function renderColleagues() {
    const options = state.colleagues.map((colleague) =>
      el("option", { value: colleague.id }, colleague.name),
    );
    ui.transferSelect.replaceChildren(el("option", { value: "" }, "Transfer to…"), ...options);
  }

  function renderDetail() {
    const summary = state.conversations.get(state.selectedId);
    ui.noSelection.hidden = Boolean(summary);
    ui.conversation.hidden = !summary;
    ui.console.dataset.view = summary ? "conversation" : "list";
    if (!summary) {
      return;
    }
    ui.title.textContent = clientName(summary);
    ui.status.textContent = STATUS_LABELS[summary.status] || summary.status;
    ui.status.dataset.status = summary.status;
    const holder = holderName(summary.held_by);
    const language = summary.language
      ? ` · ${LANGUAGE_LABELS[summary.language] || summary.language}`
      : "";
    ui.holder.textContent = `${CHANNEL_LABELS[summary.channel] || summary.channel}${language}${
      holder ? ` · held by ${holder}` : ""
    }`;
    ui.handoffReason.hidden = !summary.handoff_reason || summary.status !== "waiting_for_human";
    ui.handoffReason.textContent = `Asked for a person: ${summary.handoff_reason || ""}`;
    renderActions();
  }

  function renderActions() {
    const summary = state.conversations.get(state.selectedId);
    if (!summary) {
      return;
    }
    const connected = isConnected();
    const busy = [...state.pending.values()].some(
      (pending) => pending.conversationId === summary.id,
    );
    const open = summary.status !== "closed";
    const mine = open && Boolean(state.me) && summary.held_by?.id === state.me.id;
    const ready = connected && !busy && open;
    // Take over stays possible on a colleague's conversation: the server decides, and says who
    // holds it when it refuses.
    ui.takeOver.disabled = !ready || mine;
    ui.handBack.disabled = !ready || !mine;
    ui.transferSelect.disabled = !mine || state.colleagues.length === 0;
    ui.transfer.disabled = !ready || !mine || !ui.transferSelect.value;
    ui.close.disabled = !ready;
    ui.replyInput.disabled = !mine;
    ui.replyInput.placeholder = mine
      ? "Write to the client… (Enter sends, Shift+Enter for a new line)"
      : "Take the conversation over to reply.";
    ui.replySend.disabled = !ready || !mine;
  }

  function appendEntry(entry) {
    if (state.shownEntryIds.has(entry.entry_id)) {
      return; // the transcript and a live entry can overlap around an `open`
    }
    state.shownEntryIds.add(entry.entry_id);
    ui.transcript.append(entry.author === "tool" ? toolEntry(entry) : messageEntry(entry));
  }

  function entryHead(entry, label) {
    return el(
      "div",
      { className: "entry-head" },
      el("span", { className: "entry-author" }, label),
      el("time", { datetime: entry.at }, formatTime(entry.at)),
    );
  }

  function messageEntry(entry) {
    const selected = state.conversations.get(state.selectedId);
    const label =
      entry.author === "client"
        ? (selected && selected.client_name) || AUTHOR_LABELS.client
        : entry.name || (AUTHOR_LABELS[entry.author] ?? entry.author);
    const item = el(
      "li",
      { className: "entry", "data-testid": "transcript-entry", "data-author": entry.author },
      entryHead(entry, label),
      el("p", { className: "entry-text" }, entry.text || ""),
    );
    if (entry.buttons && entry.buttons.length) {
      item.append(
        el(
          "ul",
          { className: "entry-buttons", "aria-label": "Choices offered" },
          ...entry.buttons.map((button) => el("li", {}, button.label)),
        ),
      );
    }
    if (entry.card) {
      item.append(bookingCard(entry.card));
    }
    return item;
  }

  function bookingCard(card) {
    const lines = [
      el("p", {}, el("strong", {}, `Booking ${card.status}: `), `${card.service} with ${card.provider}`),
      el("p", {}, [card.when, card.location, card.price].filter(Boolean).join(", ")),
    ];
    for (const form of card.forms || []) {
      // Only links back into this site: the card's URLs come from the server, never elsewhere.
      if (typeof form.url === "string" && form.url.startsWith("/") && !form.url.startsWith("//")) {
        lines.push(el("p", {}, el("a", { href: form.url }, form.filename)));
      }
    }
    return el("div", { className: "entry-card" }, ...lines);
  }

  function toolEntry(entry) {
    const tool = entry.tool || { name: "tool", args: {}, result: entry.text };
    const parsed = parseResult(tool.result);
    const summary = el(
      "summary",
      { className: "tool-line", "data-testid": "tool-call" },
      `🔧 ${tool.name}(${describeArgs(tool.args || {})}) → ${describeResult(parsed)}`,
    );
    const details = el(
      "pre",
      { className: "tool-details", "data-testid": "tool-details" },
      `arguments:\n${JSON.stringify(tool.args || {}, null, 2)}\n\nresult:\n${
        typeof parsed === "string" ? parsed : JSON.stringify(parsed, null, 2)
      }`,
    );
    return el(
      "li",
      { className: "entry", "data-testid": "transcript-entry", "data-author": "tool" },
      el("details", {}, summary, details),
    );
  }

  function shorten(text, length) {
    return text.length > length ? `${text.slice(0, length - 1)}…` : text;
  }

  function describeArgs(args) {
    return Object.entries(args)
      .filter(([, value]) => value !== null && value !== undefined)
      .map(([name, value]) => {
        const shown = typeof value === "string" ? value : JSON.stringify(value);
        return `${name}=${shorten(shown, 40)}`;
      })
      .join(", ");
  }

  function parseResult(result) {
    if (typeof result !== "string") {
      return result ?? "";
    }
    try {
      return JSON.parse(result);
    } catch {
      return result;
    }
  }

  /** Say in a few words what a tool answered: how many starts or results, or a refusal. */
  function describeResult(result) {
    if (typeof result === "string") {
      return shorten(result, 60) || "done";
    }
    if (Array.isArray(result)) {
      const starts = result.filter((item) => item && Array.isArray(item.starts));
      if (starts.length) {
        const count = starts.reduce((total, item) => total + item.starts.length, 0);
        return count === 1 ? "1 start" : `${count} starts`;
      }
      return result.length === 1 ? "1 result" : `${result.length} results`;
    }
    if (result && typeof result === "object") {
      if (result.error) {
        return `refused: ${shorten(String(result.error), 60)}`;
      }
      const scalars = Object.entries(result)
        .filter(([, value]) => ["string", "number", "boolean"].includes(typeof value))
        .slice(0, 3)
        .map(([name, value]) => `${name}=${shorten(String(value), 30)}`);
      return scalars.join(", ") || "done";
    }
    return String(result);
  }

  // The banner and the header's height change the transcript's height too.
  function showError(message) {
    keepingTranscriptEnd(() => {
      ui.errorText.textContent = message;
      ui.error.hidden = false;
    });
  }

  function hideError() {
    keepingTranscriptEnd(() => {
      ui.error.hidden = true;
      ui.errorText.textContent = "";
    });
  }

  // --- Actions ------------------------------------------------------------------------------

  function select(conversationId) {
    if (conversationId !== state.selectedId) {
      state.selectedId = conversationId;
      ui.transcript.replaceChildren();
      state.shownEntryIds.clear();
      ui.replyInput.value = "";
      ui.transferSelect.value = "";
      hideError();
      send({ type: "open", conversation_id: conversationId });
    }
    renderList();
    renderDetail();
  }

  /** Back to the list alone, on screens too narrow for both panes. */
  function deselect() {
    state.selectedId = null;
    ui.transcript.replaceChildren();
    state.shownEntryIds.clear();
    renderList();
    renderDetail();
  }

  function sendReply(event) {
    event.preventDefault();
    const text = ui.replyInput.value.trim();
    if (!text || ui.replySend.disabled) {
      return;
    }
    request("reply", state.selectedId, { text }, () => {
      // Keep anything typed while the reply was on its way.
      if (ui.replyInput.value.trim() === text) {
        ui.replyInput.value = "";
      }
    });
  }

  ui.signInForm.addEventListener("submit", signIn);
  ui.signInMicrosoft.addEventListener("click", signInWithMicrosoft);
  ui.signOut.addEventListener("click", () => signOut(null));
  ui.errorDismiss.addEventListener("click", hideError);
  ui.back.addEventListener("click", deselect);
  ui.takeOver.addEventListener("click", () => request("take_over", state.selectedId));
  ui.handBack.addEventListener("click", () => request("hand_back", state.selectedId));
  ui.close.addEventListener("click", () => request("close", state.selectedId));
  ui.transferSelect.addEventListener("change", renderActions);
  ui.transfer.addEventListener("click", () => {
    request("transfer", state.selectedId, { to_staff_id: ui.transferSelect.value }, () => {
      ui.transferSelect.value = "";
      renderActions();
    });
  });
  ui.replyForm.addEventListener("submit", sendReply);
  ui.replyInput.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      ui.replyForm.requestSubmit();
    }
  });

  const microsoft = takeMicrosoftSignIn();
  if (microsoft.token) {
    sessionStorage.setItem(TOKEN_KEY, microsoft.token);
    state.token = microsoft.token;
  }
  offerMicrosoftSignIn();
  if (microsoft.failure !== null) {
    signOut(
      Object.hasOwn(MICROSOFT_FAILURES, microsoft.failure)
        ? MICROSOFT_FAILURES[microsoft.failure]
        : "Signing in with Microsoft failed. Please try again.",
    );
  } else if (state.token) {
    showConsole();
  } else {
    signOut(null);
  }
})();
