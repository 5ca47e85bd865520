"""Refuse text no database stores at the door: NUL characters and halves of surrogate pairs.

PostgreSQL cannot store NUL and SQLite cuts text at it; a lone surrogate ("\\ud83d" alone in
JSON: an emoji cut in two) is encoded by neither. Checked once for every request (path, query,
JSON body) so both databases answer the same 422, instead of one storing the text and the
other failing half-way through a change. Bodies are capped before they get here
(api.body_limits); a large one is scanned off the event loop. Webhooks are left to their
routes, which prove the sender before reading a body and clean the text they take.
"""

from __future__ import annotations

import json
import re
from typing import Any

from anyio import to_thread
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.body_limits import WEBHOOK_PATHS

# The JSON escapes that matter, read left to right so each backslash is in the right place:
# an escaped backslash (skipped, so "\\u0000" is plain text), a whole surrogate pair
# (fine), NUL (group 1) and a surrogate left over, high or low (group 2).
_ESCAPES = re.compile(
    rb"\\\\"
    rb"|\\u[dD][89abAB][0-9a-fA-F]{2}\\u[dD][c-fC-F][0-9a-fA-F]{2}"
    rb"|(\\u0000)"
    rb"|(\\u[dD][89a-fA-F][0-9a-fA-F]{2})"
)
# Scanning a body this small takes well under a millisecond; a larger one goes to a thread.
SCAN_ON_LOOP_BYTES = 64 * 1024
REFUSAL = json.dumps(
    {
        "code": "invalid_input",
        "detail": "The request holds characters that are not valid text "
        "(a NUL, or half of an emoji's surrogate pair).",
    }
).encode()


class RefuseNulCharacters:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in WEBHOOK_PATHS:
            await self.app(scope, receive, send)
            return
        if "\x00" in scope["path"] or b"%00" in scope.get("query_string", b""):
            await _refuse(send)
            return
        if not _is_json(scope):
            await self.app(scope, receive, send)
            return
        body = await _whole_body(receive)
        if len(body) <= SCAN_ON_LOOP_BYTES:
            unstorable = has_unstorable_escape(body)
        else:
            unstorable = await to_thread.run_sync(has_unstorable_escape, body)
        if unstorable:
            await _refuse(send)
            return
        await self.app(scope, _replaying(body, receive), send)


def has_unstorable_escape(body: bytes) -> bool:
    """Whether JSON text escapes a NUL or a lone surrogate in one of its strings."""
    if b"\\u" not in body:
        return False
    return any(m.group(1) or m.group(2) for m in _ESCAPES.finditer(body))


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
