// Frontdesk web chat: speaks the client chat protocol of /ws/chat (see the README's protocol).
"use strict";

(function () {
  const SESSION_KEY = "frontdesk.chat.session";
  const MAX_FRAME_BYTES = 4096; // the server refuses larger frames
  const PING_EVERY_MS = 25000; // well under common proxy idle timeouts
  const PONG_WAIT_MS = 10000;
  const RECONNECT_FIRST_MS = 500;
  const RECONNECT_MAX_MS = 15000;
  const NEAR_BOTTOM_PX = 80;
  const TEXTS = window.FRONTDESK_CHAT_TEXTS;
  // The conversation's language once the server names it; until then the browser's.
  let language = pickLanguage(navigator.languages || [navigator.language]);
  const UPLOAD_URL = "/chat/uploads";
  const UPLOAD_RULES_URL = "/chat/uploads/rules";
  const ERROR_CODES = ["rate_limited", "too_large", "unavailable"];

  function pickLanguage(preferred) {
    for (const tag of preferred) {
      const code = String(tag || "").toLowerCase().split("-")[0];
      if (TEXTS[code]) return code;
    }
    return "en";
  }

  function t(key) {
    return (TEXTS[language] && TEXTS[language][key]) || TEXTS.en[key];
  }

  // Puts the page's own words in the language; replies keep the language they came in.
  function useLanguage(code) {
    if (!code || !TEXTS[code]) return;
    language = code;
    document.documentElement.lang = code;
    page.input.placeholder = t("placeholder");
    document.querySelector('label[for="message-input"]').textContent = t("messageLabel");
    document.querySelector('[data-testid="send"]').textContent = t("send");
    if (page.connection.dataset.state) setConnection(page.connection.dataset.state);
  }

  const page = {
    list: document.querySelector('[data-testid="message-list"]'),
    typing: document.querySelector('[data-testid="typing"]'),
    connection: document.querySelector('[data-testid="connection-status"]'),
    offlineBanner: document.querySelector('[data-testid="offline-banner"]'),
    error: document.querySelector('[data-testid="error"]'),
    errorText: document.querySelector('[data-testid="error-text"]'),
    errorDismiss: document.querySelector('[data-testid="error-dismiss"]'),
    composer: document.querySelector('[data-testid="composer"]'),
    input: document.querySelector('[data-testid="message-input"]'),
    telegram: document.querySelector('[data-testid="telegram-link"]'),
  };

  let socket = null;
  let helloReceived = false;
  let hasConnectedBefore = false;
  let reconnectAttempts = 0;
  let reconnectTimer = null;
  let pingTimer = null;
  let pongTimer = null;
  let agentTyping = false;
  // Messages the server has not acknowledged, oldest first: {id, text, element, failed}.
  // They are sent again with the same id after a reconnect; the server recognises repeats.
  let unacknowledged = [];
  // Frames sent on the current socket still waiting for an ack, pong or error, oldest first.
  let awaitingAnswer = [];
  // The list item showing each reply, by reply_id, so a finished reply replaces its pieces
  // and a reply seen twice (history, then a late frame) is shown once.
  let repliesShown = new Map();
  // Client texts in the last history, to tell a repeated message that was already shown.
  let historyClientTexts = new Set();
  // Whether the reader is at the end of the list; only their own scrolling changes it.
  let followingEnd = true;
  // The session the server confirmed in its hello; uploads name it (storage may be blocked).
  let chatSession = null;
  // Files sent, by document request id: from the transcript and from this page's uploads, so
  // a request shows as received wherever it is drawn.
  const documentsReceived = new Map();
  // What the server accepts ({max_bytes, content_types, extensions}), once it has said.
  let uploadRules = null;
  // False once the server said it has no Telegram bot (its link routes answer 404).
  let telegramOn = true;

  // ---- Small helpers ----

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function newMessageId() {
    if (window.crypto && typeof crypto.randomUUID === "function") return crypto.randomUUID();
    // randomUUID exists only in secure contexts (https, localhost); a LAN address over http
    // still has getRandomValues, which is enough for a version 4 UUID.
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }

  function clockTime(date) {
    return date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  }

  function readSession() {
    try {
      return localStorage.getItem(SESSION_KEY);
    } catch (_) {
      return null; // storage blocked (private mode, policies): the chat still works, unsaved
    }
  }

  function storeSession(token) {
    try {
      localStorage.setItem(SESSION_KEY, token);
    } catch (_) {
      // Same as above: without storage a reload starts a new conversation.
    }
  }

  function chatUrl() {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const session = readSession();
    const query = session ? `?session=${encodeURIComponent(session)}` : "";
    return `${scheme}//${location.host}/ws/chat${query}`;
  }

  function isSafeLink(url) {
    try {
      return ["http:", "https:"].includes(new URL(url, location.href).protocol);
    } catch (_) {
      return false;
    }
  }

  // ---- The message list ----

  function isNearBottom() {
    const list = page.list;
    return list.scrollHeight - list.scrollTop - list.clientHeight < NEAR_BOTTOM_PX;
  }

  function scrollToEnd() {
    page.list.scrollTop = page.list.scrollHeight;
  }

  // New content is followed only while the reader is at the end, so reading back in the
  // conversation is not interrupted.
  function appendToList(node, { forceScroll = false } = {}) {
    page.list.append(node);
    if (forceScroll || followingEnd) scrollToEnd();
  }

  // `source` tells a transcript entry ("entry") from the page's own words for a status frame.
  function renderNotice(text, source) {
    const item = element("li", "notice", text);
    item.dataset.testid = "notice";
    item.dataset.source = source;
    return item;
  }

  function lastIsNoticeFrom(source) {
    const last = page.list.lastElementChild;
    return last !== null && last.dataset.source === source;
  }

  function authorLabel(entry) {
    if (entry.author === "client") return t("you");
    if (entry.author === "staff") return entry.name || t("staff");
    return t("assistant");
  }

  function renderEntry(entry) {
    if (entry.author === "system") return renderNotice(entry.text, "entry");
    const author = entry.author === "client" || entry.author === "staff" ? entry.author : "agent";
    const item = element("li", `entry entry-${author}`);
    item.dataset.testid = "message";
    item.dataset.author = author;
    if (entry.reply_id) item.dataset.replyId = entry.reply_id;
    if (entry.upload) item.dataset.upload = entry.upload.request_id || "";
    if (author === "staff") {
      const name = element("span", "entry-name", authorLabel(entry));
      name.dataset.testid = "staff-name";
      name.setAttribute("aria-hidden", "true"); // the bubble's hidden prefix says it already
      item.append(name);
    }
    const bubble = element("div", "bubble");
    bubble.dataset.testid = "message-text";
    bubble.append(element("span", "visually-hidden", `${authorLabel(entry)}: `), entry.text);
    item.append(bubble);
    if (entry.card) item.append(renderBookingCard(entry.card));
    if (entry.documents && entry.documents.length) {
      item.append(renderDocumentRequests(entry.documents));
    }
    if (entry.buttons && entry.buttons.length) item.append(renderQuickReplies(entry.buttons));
    if (entry.at) {
      const at = new Date(entry.at);
      const meta = element("time", "entry-meta", clockTime(at));
      meta.dateTime = entry.at;
      item.append(meta);
    }
    return item;
  }

  function renderBookingCard(card) {
    const section = element("section", "booking-card");
    section.dataset.testid = "booking-card";
    section.dataset.status = card.status;
    section.dataset.bookingId = card.booking_id;
    section.setAttribute("aria-label", `Booking: ${card.service}`);

    const title = element("h2", "booking-card-title");
    const status = element("span", "booking-status", String(card.status).replace(/_/g, " "));
    status.dataset.testid = "booking-status";
    title.append(element("span", "booking-service", card.service), status);
    section.append(title);

    const details = element("dl", "booking-details");
    for (const [label, value, testid] of [
      [t("with"), card.provider, "booking-provider"],
      [t("when"), card.when, "booking-when"],
      [t("where"), card.location, "booking-location"],
      [t("price"), card.price, "booking-price"], // sent by the server, though not in the protocol
    ]) {
      if (!value) continue;
      const description = element("dd", "", value);
      description.dataset.testid = testid;
      details.append(element("dt", "", label), description);
    }
    section.append(details);

    const forms = (card.forms || []).filter((form) => isSafeLink(form.url));
    if (forms.length) {
      const list = element("ul", "booking-forms");
      list.setAttribute("aria-label", "Your forms");
      for (const form of forms) {
        const link = element("a", "", form.filename);
        link.href = form.url;
        link.download = form.filename;
        link.dataset.testid = "form-link";
        const item = element("li");
        item.append(link);
        list.append(item);
      }
      section.append(list);
    }
    return section;
  }

  function renderQuickReplies(buttons) {
    const group = element("div", "quick-replies");
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", "Suggested answers");
    for (const choice of buttons) {
      const button = element("button", "quick-reply", choice.label);
      button.type = "button";
      button.dataset.testid = "quick-reply";
      button.dataset.value = choice.value;
      button.addEventListener("click", () => {
        if (sendText(choice.value)) {
          button.setAttribute("aria-pressed", "true");
          page.input.focus();
        }
      });
      group.append(button);
    }
    return group;
  }

  // Only the newest suggestions can be answered: once the client says something or newer
  // suggestions arrive, the older buttons stay visible for context but no longer work.
  function disableQuickReplies() {
    for (const button of page.list.querySelectorAll(".quick-reply")) button.disabled = true;
  }

  function showEntry(entry) {
    if (entry.author === "client" || (entry.buttons && entry.buttons.length)) disableQuickReplies();
    const rendered = renderEntry(entry);
    const shown = entry.reply_id ? repliesShown.get(entry.reply_id) : undefined;
    if (shown) {
      shown.replaceWith(rendered);
    } else {
      appendToList(rendered);
    }
    if (entry.reply_id) repliesShown.set(entry.reply_id, rendered);
    if (entry.upload) markReceived(entry.upload.request_id, entry.upload.filename);
  }

  function showHistory(history) {
    page.list.replaceChildren();
    repliesShown = new Map();
    historyClientTexts = new Set();
    for (const entry of history) {
      if (entry.author === "client") historyClientTexts.add(entry.text);
      showEntry(entry);
    }
    scrollToEnd();
  }

  // ---- Documents the client was asked for ----

  function megabytes(bytes) {
    return `${Math.round((bytes / (1024 * 1024)) * 10) / 10} MB`;
  }

  function acceptList() {
    return uploadRules ? [...uploadRules.extensions, ...uploadRules.content_types].join(",") : "";
  }

  function loadUploadRules() {
    fetch(UPLOAD_RULES_URL)
      .then((response) => (response.ok ? response.json() : null))
      .then((rules) => {
        if (!rules) return;
        uploadRules = rules;
        for (const input of page.list.querySelectorAll('[data-testid="document-file"]')) {
          input.accept = acceptList();
        }
      })
      .catch(() => {
        // Without the rules the server still refuses what it does not accept, with a reason.
      });
  }

  // Every row showing a request: the same one may be drawn again (a reply replaced, history).
  function documentRows(requestId) {
    return Array.from(page.list.querySelectorAll('[data-testid="document-request"]')).filter(
      (row) => row.dataset.requestId === requestId,
    );
  }

  function renderDocumentRequests(documents) {
    const section = element("section", "document-requests");
    section.dataset.testid = "document-requests";
    section.setAttribute("aria-label", t("documentsToSend"));
    section.append(element("h2", "document-requests-title", t("documentsToSend")));
    const list = element("ul", "document-list");
    for (const requested of documents) list.append(renderDocumentRow(requested));
    section.append(list);
    return section;
  }

  function renderDocumentRow(requested) {
    const row = element("li", "document-request");
    row.dataset.testid = "document-request";
    row.dataset.requestId = requested.request_id;
    row.dataset.kindId = requested.kind_id;
    row.dataset.name = requested.name;

    const status = element("span", "document-status");
    status.dataset.testid = "document-status";
    status.setAttribute("role", "status");
    const heading = element("div", "document-heading");
    heading.append(element("span", "document-name", requested.name), status);

    const input = element("input", "visually-hidden");
    input.type = "file";
    input.accept = acceptList();
    input.dataset.testid = "document-file";
    input.setAttribute("aria-label", `Send your ${requested.name}`);
    input.addEventListener("change", () => {
      const file = input.files && input.files[0];
      input.value = ""; // so the same file can be picked again after a refusal
      if (file) sendDocument(requested.request_id, file);
    });
    const pick = element("label", "document-pick");
    pick.dataset.testid = "document-pick";
    pick.append(input, element("span", "document-pick-label"));

    const progress = element("progress", "document-progress");
    progress.dataset.testid = "document-progress";
    progress.max = 100;
    progress.hidden = true;
    const error = element("p", "document-error");
    error.dataset.testid = "document-error";
    error.setAttribute("role", "alert");
    error.hidden = true;

    row.append(heading, pick, progress, error);
    const sent = documentsReceived.get(requested.request_id);
    showDocumentState(row, sent ? "received" : requested.status, sent);
    return row;
  }

  function showDocumentState(row, status, filename) {
    row.dataset.status = status === "received" ? "received" : "requested";
    const received = row.dataset.status === "received";
    row.querySelector(".document-status").textContent = received
      ? `${t("received")}${filename ? `: ${filename}` : ""}`
      : t("notSentYet");
    row.querySelector(".document-pick-label").textContent = received
      ? t("sendAnother")
      : t("chooseFile");
  }

  function markReceived(requestId, filename) {
    documentsReceived.set(requestId, filename);
    for (const row of documentRows(requestId)) showDocumentState(row, "received", filename);
  }

  function showUploadProgress(requestId, percent) {
    for (const row of documentRows(requestId)) {
      row.dataset.upload = "sending";
      row.querySelector(".document-error").hidden = true;
      const progress = row.querySelector(".document-progress");
      progress.hidden = false;
      progress.value = percent;
      row.querySelector(".document-status").textContent = `Sending… ${percent}%`;
      row.querySelector('[data-testid="document-file"]').disabled = true;
    }
  }

  function endUpload(requestId, problem) {
    for (const row of documentRows(requestId)) {
      row.dataset.upload = problem ? "failed" : "done";
      row.querySelector(".document-progress").hidden = true;
      row.querySelector('[data-testid="document-file"]').disabled = false;
      const error = row.querySelector(".document-error");
      error.textContent = problem || "";
      error.hidden = !problem;
      showDocumentState(row, row.dataset.status, documentsReceived.get(requestId));
    }
  }

  function refusalOf(file) {
    if (file.size === 0) return "That file is empty.";
    if (uploadRules && file.size > uploadRules.max_bytes) {
      return `That file is too large: files up to ${megabytes(uploadRules.max_bytes)} are accepted.`;
    }
    if (!chatSession) return "Not connected yet; please try again in a moment.";
    return null;
  }

  // XMLHttpRequest rather than fetch: only it reports how much of the file has gone.
  function sendDocument(requestId, file) {
    const refusal = refusalOf(file);
    if (refusal) {
      endUpload(requestId, refusal);
      return;
    }
    const form = new FormData();
    form.append("session", chatSession);
    form.append("request_id", requestId);
    form.append("file", file, file.name);
    const request = new XMLHttpRequest();
    request.open("POST", UPLOAD_URL);
    request.responseType = "json";
    request.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) {
        showUploadProgress(requestId, Math.round((100 * event.loaded) / event.total));
      }
    });
    request.addEventListener("load", () => {
      const answer = request.response;
      if (request.status === 201 && answer) {
        markReceived(requestId, answer.filename);
        endUpload(requestId, null);
        if (answer.entry) showOwnEntry(answer.entry);
        return;
      }
      const detail = answer && typeof answer.detail === "string" ? answer.detail : null;
      endUpload(requestId, detail || `The file could not be sent (error ${request.status}).`);
    });
    request.addEventListener("error", () => {
      endUpload(requestId, "The file could not be sent: the connection failed. Please try again.");
    });
    showUploadProgress(requestId, 0);
    request.send(form);
  }

  // The client's own words are not echoed over the socket, so the page shows them itself.
  function showOwnEntry(entry) {
    if (entry.reply_id && repliesShown.has(entry.reply_id)) return;
    const item = renderEntry(entry);
    appendToList(item, { forceScroll: true });
    if (entry.reply_id) repliesShown.set(entry.reply_id, item);
  }

  // ---- Client messages and their delivery ----

  function setDelivery(pending, state, reason) {
    const meta = pending.element.querySelector(".entry-meta");
    pending.element.dataset.delivery = state;
    pending.failed = state === "failed";
    if (state === "sending") {
      meta.textContent = "Sending…";
    } else if (state === "sent") {
      meta.textContent = clockTime(new Date());
    } else {
      meta.textContent = `Not sent${reason ? `: ${reason}` : "."} `;
      const retry = element("button", "retry", "Retry");
      retry.type = "button";
      retry.dataset.testid = "retry";
      retry.addEventListener("click", () => {
        setDelivery(pending, "sending");
        transmit(pending);
      });
      meta.append(retry);
    }
  }

  function renderPendingMessage(text) {
    const item = renderEntry({ author: "client", text });
    item.append(element("span", "entry-meta"));
    return item;
  }

  function frameFits(frame) {
    return new TextEncoder().encode(JSON.stringify(frame)).length <= MAX_FRAME_BYTES;
  }

  // Shows the message at once and sends it now or, while disconnected, after the next hello.
  // Returns false when the text is not sendable, so the caller keeps it for editing.
  function sendText(rawText) {
    const text = rawText.trim();
    if (!text) return false;
    const id = newMessageId();
    if (!frameFits({ type: "message", id, text })) {
      showError(t("too_large"));
      return false;
    }
    disableQuickReplies();
    const pending = { id, text, element: renderPendingMessage(text), failed: false };
    unacknowledged.push(pending);
    appendToList(pending.element, { forceScroll: true });
    setDelivery(pending, "sending");
    transmit(pending);
    return true;
  }

  function transmit(pending) {
    if (!socket || !helloReceived) return; // the next hello sends it
    socket.send(JSON.stringify({ type: "message", id: pending.id, text: pending.text }));
    awaitingAnswer.push({ kind: "message", id: pending.id });
  }

  function onAck(frame) {
    awaitingAnswer = awaitingAnswer.filter((sent) => sent.id !== frame.id);
    const pending = unacknowledged.find((message) => message.id === frame.id);
    if (!pending) return;
    unacknowledged = unacknowledged.filter((message) => message !== pending);
    // A message resent after a reconnect that the server had already taken is in the
    // history just shown, so its second bubble goes.
    if (frame.duplicate && historyClientTexts.has(pending.text)) {
      pending.element.remove();
    } else {
      setDelivery(pending, "sent");
    }
    hideError();
  }

  // ---- Frames from the server ----

  function onHello(frame) {
    helloReceived = true;
    hasConnectedBefore = true;
    reconnectAttempts = 0;
    storeSession(frame.session);
    chatSession = frame.session;
    page.list.dataset.conversationId = frame.conversation_id || "";
    conversationStatus = frame.status;
    useLanguage(frame.language);
    showHistory(frame.history || []);
    setConnection("online");
    checkTelegram();
    // Messages written while disconnected, or not acknowledged before the drop, go out now.
    for (const pending of unacknowledged) {
      appendToList(pending.element, { forceScroll: true });
      if (!pending.failed) transmit(pending);
    }
    startKeepAlive();
  }

  function onDelta(frame) {
    let item = repliesShown.get(frame.reply_id);
    if (!item) {
      item = renderEntry({ author: "agent", text: "", reply_id: frame.reply_id });
      item.dataset.streaming = "true";
      item.querySelector(".bubble").setAttribute("aria-busy", "true");
      appendToList(item);
      repliesShown.set(frame.reply_id, item);
    } else if (item.dataset.streaming !== "true") {
      return; // the finished reply is shown already; a late piece would repeat its text
    }
    item.querySelector(".bubble").append(frame.text);
    if (followingEnd) scrollToEnd();
    refreshTyping();
  }

  function onReply(frame) {
    if (frame.author === "agent") useLanguage(frame.language);
    showEntry(frame); // a reply frame is an entry plus its type
    refreshTyping();
  }

  // An attempt that fails mid-stream (then retried, or replaced by a fallback reply with
  // another reply_id) never gets its `reply`. The protocol drops pieces still unfinished when
  // the turn ends; kept, their bubble would stay streaming and hide the typing dots for good.
  function dropUnfinishedReplies() {
    for (const [replyId, item] of repliesShown) {
      if (item.dataset.streaming !== "true") continue;
      item.remove();
      repliesShown.delete(replyId);
    }
  }

  function statusNotice(status, staff) {
    switch (status) {
      case "human":
        return `${staff || "A member of staff"} has joined the conversation.`;
      case "waiting_for_human":
        return "A colleague will join you here shortly.";
      case "bot":
        return "You are back with the assistant.";
      case "closed":
        return "This conversation has ended. Write again any time.";
      default:
        return null;
    }
  }

  // The conversation's status as last heard: a status frame that repeats it (the first
  // message starting a conversation) needs no notice.
  let conversationStatus = "bot";

  function onStatus(frame) {
    if (frame.conversation_id) page.list.dataset.conversationId = frame.conversation_id;
    const changed = frame.status !== conversationStatus;
    conversationStatus = frame.status;
    if (!changed) return;
    const notice = statusNotice(frame.status, frame.staff);
    // The server announces most changes in the transcript just before the status frame;
    // then its words stand alone.
    if (notice && !lastIsNoticeFrom("entry")) appendToList(renderNotice(notice, "status"));
  }

  function onError(frame) {
    const known = ERROR_CODES.includes(frame.code) ? t(frame.code) : null;
    const message = frame.detail || known || t("somethingWrong");
    showError(message);
    // An error answers a frame instead of its ack or pong. It carries no id, so it is matched
    // to the oldest frame on this socket still waiting; should that guess be wrong, the
    // message's own ack still marks it sent.
    const refused = awaitingAnswer.shift();
    if (!refused || refused.kind !== "message") return;
    const pending = unacknowledged.find((sent) => sent.id === refused.id);
    if (pending) setDelivery(pending, "failed", message);
  }

  function onPong() {
    const index = awaitingAnswer.findIndex((sent) => sent.kind === "ping");
    if (index >= 0) awaitingAnswer.splice(index, 1);
    clearTimeout(pongTimer);
  }

  const HANDLERS = {
    hello: onHello,
    ack: onAck,
    typing: (frame) => {
      agentTyping = Boolean(frame.on);
      if (!agentTyping) dropUnfinishedReplies(); // typing off ends the turn
      if (!agentTyping) checkTelegram(); // the client may have said who they are
      refreshTyping();
    },
    delta: onDelta,
    reply: onReply,
    status: onStatus,
    pong: onPong,
    error: onError,
  };

  function onFrame(event) {
    let frame;
    try {
      frame = JSON.parse(event.data);
    } catch (_) {
      return; // the server only sends JSON; anything else is noise on the line
    }
    if (frame && Object.hasOwn(HANDLERS, frame.type)) HANDLERS[frame.type](frame);
  }

  // ---- Indicators ----

  // The dots are for the wait before text appears; a reply that is already streaming shows
  // itself.
  function refreshTyping() {
    const streaming = page.list.querySelector('[data-streaming="true"]') !== null;
    const show = agentTyping && !streaming && helloReceived;
    page.typing.hidden = !show;
  }

  function setConnection(state) {
    page.connection.dataset.state = state;
    page.connection.textContent = t(state);
    const disconnected = state === "reconnecting" || state === "offline";
    page.offlineBanner.hidden = !disconnected;
    page.offlineBanner.textContent =
      state === "offline"
        ? t("offlineBanner")
        : t("reconnectingBanner");
  }

  // ---- Continuing in Telegram ----

  function postSession(path) {
    return fetch(path, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ session: chatSession }),
    });
  }

  // Offered once the client is known, when the service has a Telegram bot.
  function checkTelegram() {
    if (!telegramOn || !chatSession || !page.telegram.hidden) return;
    postSession("/chat/telegram-link/available")
      .then((response) => {
        if (response.status === 404) telegramOn = false;
        return response.ok ? response.json() : { available: false };
      })
      .then((body) => {
        page.telegram.hidden = !body.available;
      })
      .catch(() => {}); // offered again after the next turn
  }

  function openTelegram() {
    // Opened during the click (a window opened after the fetch would be blocked as a pop-up).
    const opened = window.open("", "_blank");
    if (opened) opened.opener = null;
    postSession("/chat/telegram-link")
      .then((response) => (response.ok ? response.json() : Promise.reject(response)))
      .then((body) => {
        if (!String(body.url).startsWith("https://t.me/")) throw new Error("unexpected link");
        if (opened) opened.location.href = body.url;
        else window.location.href = body.url;
      })
      .catch(() => {
        if (opened) opened.close();
        showError("Could not make a Telegram link just now; please try again.");
      });
  }

  function showError(message) {
    page.errorText.textContent = message;
    page.error.hidden = false;
  }

  function hideError() {
    page.error.hidden = true;
  }

  // ---- The connection ----

  function connect() {
    clearTimeout(reconnectTimer);
    reconnectTimer = null;
    setConnection(hasConnectedBefore || reconnectAttempts > 0 ? "reconnecting" : "connecting");
    const opened = new WebSocket(chatUrl());
    socket = opened;
    helloReceived = false;
    awaitingAnswer = [];
    opened.addEventListener("message", (event) => {
      if (opened === socket) onFrame(event);
    });
    opened.addEventListener("close", () => {
      if (opened === socket) onDisconnected();
    });
  }

  function onDisconnected() {
    socket = null;
    helloReceived = false;
    stopKeepAlive();
    agentTyping = false;
    refreshTyping();
    // A reply cut off mid-stream is replaced by the history after the reconnect.
    scheduleReconnect();
  }

  // Exponential backoff with jitter, so a restarted server is not hit by every browser at once.
  function scheduleReconnect() {
    if (!navigator.onLine) {
      setConnection("offline"); // the browser's "online" event reconnects
      return;
    }
    const ceiling = Math.min(RECONNECT_MAX_MS, RECONNECT_FIRST_MS * 2 ** reconnectAttempts);
    reconnectAttempts += 1;
    setConnection("reconnecting");
    reconnectTimer = setTimeout(connect, ceiling / 2 + Math.random() * (ceiling / 2));
  }

  function reconnectNow() {
    if (socket) return;
    reconnectAttempts = 0;
    connect();
  }

  function startKeepAlive() {
    stopKeepAlive();
    pingTimer = setInterval(() => {
      if (!socket || !helloReceived) return;
      socket.send(JSON.stringify({ type: "ping" }));
      awaitingAnswer.push({ kind: "ping" });
      clearTimeout(pongTimer);
      // A socket that stopped answering (sleeping laptop, dropped mobile network) may never
      // report closing by itself; closing it starts the reconnect.
      pongTimer = setTimeout(() => socket && socket.close(), PONG_WAIT_MS);
    }, PING_EVERY_MS);
  }

  function stopKeepAlive() {
    clearInterval(pingTimer);
    clearTimeout(pongTimer);
  }

  // ---- The composer ----

  function fitInputHeight() {
    page.input.style.height = "auto";
    page.input.style.height = `${page.input.scrollHeight}px`;
  }

  page.composer.addEventListener("submit", (event) => {
    event.preventDefault();
    if (sendText(page.input.value)) {
      page.input.value = "";
      fitInputHeight();
    }
    page.input.focus();
  });

  page.input.addEventListener("keydown", (event) => {
    // Enter sends, Shift+Enter starts a new line; Enter that ends an IME composition does not.
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      page.composer.requestSubmit();
    }
  });

  page.input.addEventListener("input", fitInputHeight);
  page.list.addEventListener("scroll", () => {
    followingEnd = isNearBottom();
  });
  // The list shrinks when the typing line, an error, the banner or a phone keyboard appears;
  // a reader at the end stays there.
  new ResizeObserver(() => {
    if (followingEnd) scrollToEnd();
  }).observe(page.list);
  page.errorDismiss.addEventListener("click", hideError);
  page.telegram.addEventListener("click", openTelegram);

  window.addEventListener("offline", () => {
    setConnection("offline");
    if (socket) socket.close();
  });
  window.addEventListener("online", reconnectNow);
  // Phones freeze background tabs; reconnect as soon as the chat is looked at again.
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible" && navigator.onLine) reconnectNow();
  });

  useLanguage(language);
  connect();
  loadUploadRules();
})();
