"""Refuse NUL characters at the door: PostgreSQL cannot store them and SQLite cuts text at them.

Checked once for every request (path, query, JSON body) so both databases answer the same
422, instead of one storing the text and the other failing half-way through a change.
"""

from __future__ import annotations

import json
import re
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# \u0000 escaped in JSON, unless its backslash is itself escaped ("\\u0000" is plain text).
JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")
REFUSAL = json.dumps(
    {"code": "invalid_input", "detail": "Text may not contain NUL characters."}
).encode()


class RefuseNulCharacters:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if "\x00" in scope["path"] or b"%00" in scope.get("query_string", b""):
            await _refuse(send)
            return
        if not _is_json(scope):
            await self.app(scope, receive, send)
            return
        body = await _whole_body(receive)
        if JSON_NUL.search(body):
            await _refuse(send)
            return
        await self.app(scope, _replaying(body, receive), send)


def _is_json(scope: Scope) -> bool:
    headers: list[tuple[bytes, bytes]] = scope.get("headers", [])
    content_type = next((v for k, v in headers if k == b"content-type"), b"")
    return content_type.split(b";")[0].strip().lower() == b"application/json"


async def _whole_body(receive: Receive) -> bytes:
    # FastAPI reads a JSON body whole before parsing it anyway; this only reads it first.
    chunks, more = [], True
    while more:
        message = await receive()
        chunks.append(message.get("body", b""))
        more = message.get("more_body", False)
    return b"".join(chunks)


def _replaying(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if sent:
            return await receive()  # a disconnect, when the client goes away
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay


async def _refuse(send: Send) -> None:
    headers: list[Any] = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(REFUSAL)).encode()),
    ]
    await send({"type": "http.response.start", "status": 422, "headers": headers})
    await send({"type": "http.response.body", "body": REFUSAL})
