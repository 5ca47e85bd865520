"""A local Telegram Bot API speaking the real wire format, and real Update JSON to send us.

`fake_telegram()` runs an HTTP server on 127.0.0.1 in a thread. The real python-telegram-bot
client reaches it through `base_url` (FRONTDESK_TELEGRAM_API_URL = `.api_url`): methods are
`POST /bot<token>/<method>` with form-encoded, multipart or JSON bodies, answered with
`{"ok": true, "result": …}` in the shapes Telegram documents; files download from
`GET /file/bot<token>/<path>`. A wrong token is 401, as Telegram answers it.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote

import httpx

Params = dict[str, Any]
BOT_ID = 7000001
BOT_USERNAME = "frontdesk_test_bot"
DATE = 1773043200  # 2026-03-09, the demo world's day


class SentFile(bytes):
    """A file a method call carried: its bytes, with the name it was sent under."""

    filename: str

    def __new__(cls, content: bytes, filename: str) -> SentFile:
        sent = super().__new__(cls, content)
        sent.filename = filename
        return sent


@dataclass
class _Failure:
    error_code: int
    description: str
    retry_after: int | None


@dataclass
class FakeTelegram:
    api_url: str = ""
    token: str = "123456:TEST-token_for-the-fake-bot"
    _calls: list[tuple[str, Params]] = field(default_factory=list)
    _files: dict[str, tuple[str, bytes]] = field(default_factory=dict)  # file_id: path, bytes
    _failures: dict[str, list[_Failure]] = field(default_factory=dict)
    _changed: threading.Condition = field(default_factory=threading.Condition)
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(1000))

    # -- what tests ask ----------------------------------------------------------------

    def calls(self, method: str | None = None, *, since: int = 0) -> list[Params]:
        """The decoded parameters of every call (of `method`), oldest first."""
        with self._changed:
            return [p for m, p in self._calls[since:] if method is None or m == method.lower()]

    def mark(self) -> int:
        """A place in the calls: pass it as `since` to see only what came after."""
        with self._changed:
            return len(self._calls)

    def wait_for(
        self,
        method: str,
        predicate: Callable[[Params], bool] = lambda _: True,
        timeout: float = 10,
        *,
        since: int = 0,
    ) -> Params:
        """The first call of `method` (after `since`) the predicate accepts; waits for it."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for name, params in self._calls[since:]:
                    if name == method.lower() and predicate(params):
                        return params
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = [m for m, _ in self._calls[since:]]
                    raise AssertionError(f"no {method} call within {timeout}s; calls: {seen}")
                self._changed.wait(left)

    def fail_next(
        self, method: str, error_code: int, description: str, *, retry_after: int | None = None
    ) -> None:
        """Answer the next call of `method` with this Bot API error."""
        with self._changed:
            failure = _Failure(error_code, description, retry_after)
            self._failures.setdefault(method.lower(), []).append(failure)

    def add_file(self, content: bytes, file_path: str) -> str:
        """Keep a file a client 'sent' (a photo, a document); return its file_id."""
        file_id = f"file-{next(self._ids)}"
        with self._changed:
            self._files[file_id] = (file_path, content)
        return file_id

    # -- the Bot API -------------------------------------------------------------------

    def answer(self, method: str, params: Params) -> tuple[int, Any]:
        """Answer a call; it is recorded (a sent message with its new message_id) either way."""
        with self._changed:
            status, body = self._answer(method, params)
            result = body.get("result")
            if isinstance(result, dict) and "message_id" in result:
                params.setdefault("message_id", result["message_id"])
            self._calls.append((method, params))
            self._changed.notify_all()
        return status, body

    def _answer(self, method: str, params: Params) -> tuple[int, dict[str, Any]]:
        failures = self._failures.get(method, [])
        if failures:
            failure = failures.pop(0)
            body: dict[str, Any] = {
                "ok": False,
                "error_code": failure.error_code,
                "description": failure.description,
            }
            if failure.retry_after is not None:
                body["parameters"] = {"retry_after": failure.retry_after}
            return failure.error_code, body
        handler = _METHODS.get(method)
        if handler is None:
            return 404, {"ok": False, "error_code": 404, "description": "Not Found"}
        try:
            return 200, {"ok": True, "result": handler(self, params)}
        except _BadRequest as refused:
            return 400, {"ok": False, "error_code": 400, "description": str(refused)}

    def file_content(self, path: str) -> bytes | None:
        with self._changed:
            return next((data for p, data in self._files.values() if p == path), None)

    def _message(self, params: Params, **content: Any) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        message = {
            "message_id": int(params.get("message_id") or next(self._ids)),
            "date": DATE,
            "chat": {"id": chat_id, "type": "private", "first_name": "Client"},
            "from": _bot_user(),
            **content,
        }
        markup = params.get("reply_markup")
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            message["reply_markup"] = markup
        return message

    def _get_file(self, params: Params) -> dict[str, Any]:
        file_id = str(params.get("file_id"))
        if file_id not in self._files:
            raise _BadRequest("Bad Request: invalid file_id")
        path, content = self._files[file_id]
        return {
            "file_id": file_id,
            "file_unique_id": f"u{file_id}",
            "file_size": len(content),
            "file_path": path,
        }

    def _send_document(self, params: Params) -> dict[str, Any]:
        document = params.get("document")
        if not isinstance(document, SentFile):
            raise _BadRequest("Bad Request: there is no document in the request")
        return self._message(
            params,
            document={
                "file_id": f"doc-{next(self._ids)}",
                "file_unique_id": f"udoc-{next(self._ids)}",
                "file_name": document.filename,
                "file_size": len(document),
            },
        )


class _BadRequest(Exception):
    pass


def _bot_user() -> dict[str, Any]:
    return {"id": BOT_ID, "is_bot": True, "first_name": "Frontdesk", "username": BOT_USERNAME}


def _text_message(fake: FakeTelegram, params: Params) -> dict[str, Any]:
    if not str(params.get("text") or "").strip():
        raise _BadRequest("Bad Request: message text is empty")
    return fake._message(params, text=params["text"])


_METHODS: dict[str, Callable[[FakeTelegram, Params], Any]] = {
    "getme": lambda fake, _: {
        **_bot_user(),
        "can_join_groups": False,
        "can_read_all_group_messages": False,
        "supports_inline_queries": False,
    },
    "sendmessage": _text_message,
    "editmessagetext": _text_message,
    "editmessagereplymarkup": lambda fake, params: fake._message(params, text="(edited)"),
    "answercallbackquery": lambda fake, _: True,
    "senddocument": FakeTelegram._send_document,
    "getfile": FakeTelegram._get_file,
    "sendchataction": lambda fake, _: True,
    "setwebhook": lambda fake, _: True,
    "deletewebhook": lambda fake, _: True,
}


def _decoded(value: str) -> Any:
    """Form values carry objects (reply_markup, allowed_updates) as JSON text."""
    if value[:1] in ("{", "["):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _params(content_type: str, body: bytes) -> Params:
    if not body:
        return {}
    if content_type.startswith("application/json"):
        loaded = json.loads(body)
        return loaded if isinstance(loaded, dict) else {}
    if content_type.startswith("multipart/form-data"):
        head = f"Content-Type: {content_type}\r\n\r\n".encode()
        parsed = BytesParser(policy=HTTP).parsebytes(head + body)
        params: Params = {}
        for part in parsed.iter_parts():
            name = part.get_param("name", header="content-disposition")
            decoded = part.get_payload(decode=True)
            payload = decoded if isinstance(decoded, bytes) else b""
            filename = part.get_filename()
            if filename is not None:
                params[str(name)] = SentFile(payload, filename)
            else:
                params[str(name)] = _decoded(payload.decode())
        for key, value in list(params.items()):  # attach://name points at a part
            if isinstance(value, str) and value.startswith("attach://"):
                params[key] = params.pop(value.removeprefix("attach://"), value)
        return params
    form = parse_qs(body.decode(), keep_blank_values=True)
    return {key: _decoded(values[-1]) for key, values in form.items()}


def _handler(fake: FakeTelegram) -> type[BaseHTTPRequestHandler]:
    class BotApi(BaseHTTPRequestHandler):
        def log_message(self, *_: Any) -> None:
            pass

        def do_POST(self) -> None:
            self._call()

        def do_GET(self) -> None:
            prefix = f"/file/bot{fake.token}/"
            path = unquote(self.path)  # the token's ':' arrives as %3A
            if path.startswith("/file/"):
                content = fake.file_content(path.removeprefix(prefix))
                if not path.startswith(prefix) or content is None:
                    self._send(404, b'{"ok":false,"error_code":404,"description":"Not Found"}')
                else:
                    self._send(200, content, "application/octet-stream")
                return
            self._call()

        def _call(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            path = unquote(self.path)
            token, _, method = path.removeprefix("/bot").partition("/")
            if not path.startswith("/bot") or token != fake.token:
                error = {"ok": False, "error_code": 401, "description": "Unauthorized"}
                self._send(401, json.dumps(error).encode())
                return
            params = _params(self.headers.get("Content-Type", ""), body)
            status, answer = fake.answer(method.split("?")[0].lower(), params)
            self._send(status, json.dumps(answer).encode())

        def _send(self, status: int, body: bytes, content_type: str = "application/json") -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return BotApi


@contextmanager
def fake_telegram() -> Iterator[FakeTelegram]:
    """Run the fake Bot API until the block ends."""
    fake = FakeTelegram()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    server.daemon_threads = True
    fake.api_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


# -- Update JSON, as Telegram posts it to a webhook ----------------------------------------


def user_json(user_id: int, first_name: str = "Ada", last_name: str | None = None) -> Params:
    user: Params = {"id": user_id, "is_bot": False, "first_name": first_name}
    if last_name:
        user["last_name"] = last_name
    return user


def _chat_json(chat_id: int, first_name: str) -> Params:
    return {"id": chat_id, "type": "private", "first_name": first_name}


def _message_json(chat_id: int, message_id: int, first_name: str, **content: Any) -> Params:
    return {
        "message_id": message_id,
        "date": DATE,
        "chat": _chat_json(chat_id, first_name),
        "from": user_json(chat_id, first_name),
        **content,
    }


def message_update(
    update_id: int, chat_id: int, text: str, *, message_id: int | None = None, name: str = "Ada"
) -> Params:
    """A text message; a leading /command is marked as Telegram marks it."""
    content: Params = {"text": text}
    if text.startswith("/"):
        command = text.split()[0]
        content["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
    return {
        "update_id": update_id,
        "message": _message_json(chat_id, message_id or update_id, name, **content),
    }


def contact_update(
    update_id: int, chat_id: int, phone: str, *, contact_user_id: int | None, name: str = "Ada"
) -> Params:
    """A shared contact: the sender's own (user_id = theirs) or someone else's card."""
    contact: Params = {"phone_number": phone, "first_name": name}
    if contact_user_id is not None:
        contact["user_id"] = contact_user_id
    return {
        "update_id": update_id,
        "message": _message_json(chat_id, update_id, name, contact=contact),
    }


def callback_update(
    update_id: int,
    chat_id: int,
    data: str,
    *,
    message_id: int,
    message_text: str = "Choose one",
    name: str = "Ada",
) -> Params:
    """A tap on an inline button of the bot's message `message_id`."""
    message = {
        "message_id": message_id,
        "date": DATE,
        "chat": _chat_json(chat_id, name),
        "from": _bot_user(),
        "text": message_text,
    }
    return {
        "update_id": update_id,
        "callback_query": {
            "id": f"cq-{update_id}",
            "from": user_json(chat_id, name),
            "chat_instance": f"ci-{chat_id}",
            "message": message,
            "data": data,
        },
    }


def photo_update(
    update_id: int,
    chat_id: int,
    file_id: str,
    *,
    file_size: int,
    caption: str | None = None,
    name: str = "Ada",
) -> Params:
    """A photo, in the sizes Telegram lists (the largest last)."""
    sizes = [
        {"file_id": f"{file_id}-thumb", "file_unique_id": "thumb", "width": 90, "height": 60},
        {
            "file_id": file_id,
            "file_unique_id": f"u{file_id}",
            "width": 1280,
            "height": 853,
            "file_size": file_size,
        },
    ]
    content: Params = {"photo": sizes}
    if caption:
        content["caption"] = caption
    return {"update_id": update_id, "message": _message_json(chat_id, update_id, name, **content)}


def document_update(
    update_id: int,
    chat_id: int,
    file_id: str,
    *,
    file_name: str,
    mime_type: str,
    file_size: int,
    caption: str | None = None,
    name: str = "Ada",
) -> Params:
    """A file sent as a document."""
    document = {
        "file_id": file_id,
        "file_unique_id": f"u{file_id}",
        "file_name": file_name,
        "mime_type": mime_type,
        "file_size": file_size,
    }
    content: Params = {"document": document}
    if caption:
        content["caption"] = caption
    return {"update_id": update_id, "message": _message_json(chat_id, update_id, name, **content)}


# -- a client's chat with our bot, over our webhook ----------------------------------------

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
_update_ids = itertools.count(int(time.time()) % 100_000 * 1000)


def next_update_id() -> int:
    return next(_update_ids)


@dataclass
class BotChat:
    """One private chat: posts Updates to our webhook as Telegram would, reads the bot's replies."""

    fake: FakeTelegram
    webhook_url: str
    secret: str
    chat_id: int
    name: str = "Ada"

    def post(self, update: Params, secret: str | None = None) -> httpx.Response:
        """Deliver an Update to the webhook (with our secret unless another is given)."""
        headers = {SECRET_HEADER: self.secret if secret is None else secret}
        return httpx.post(self.webhook_url, json=update, headers=headers, timeout=60)

    def send(self, text: str, *, update_id: int | None = None) -> httpx.Response:
        update_id = update_id or next_update_id()
        return self.post(message_update(update_id, self.chat_id, text, name=self.name))

    def replies(self, method: str = "sendMessage", *, since: int = 0) -> list[Params]:
        return [p for p in self.fake.calls(method, since=since) if self._ours(p)]

    def wait_reply(self, since: int, method: str = "sendMessage", timeout: float = 60) -> Params:
        """The bot's first message of this kind to this chat after `since`."""
        return self.fake.wait_for(method, self._ours, timeout, since=since)

    def say(self, text: str) -> Params:
        """Send a message; return the bot's next message to this chat."""
        since = self.fake.mark()
        answered = self.send(text)
        assert answered.status_code == 200, answered.text
        return self.wait_reply(since)

    def tap(self, reply: Params, label: str) -> Params:
        """Tap the inline button whose label starts with `label`; return the bot's next message."""
        since = self.fake.mark()
        answered = self.post(self.tap_update(reply, label))
        assert answered.status_code == 200, answered.text
        return self.wait_reply(since)

    def tap_update(self, reply: Params, label: str, *, update_id: int | None = None) -> Params:
        button = next(b for b in buttons(reply) if b["text"].startswith(label))
        return callback_update(
            update_id or next_update_id(),
            self.chat_id,
            button["callback_data"],
            message_id=int(reply.get("message_id") or 0),
            message_text=str(reply["text"]),
            name=self.name,
        )

    def _ours(self, params: Params) -> bool:
        return str(params.get("chat_id")) == str(self.chat_id)


def buttons(reply: Params) -> list[Params]:
    """The inline buttons of a sendMessage call, in order."""
    markup = reply.get("reply_markup")
    if not isinstance(markup, dict):
        return []
    return [button for row in markup.get("inline_keyboard", []) for button in row]
