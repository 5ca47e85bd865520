"""Request bodies capped by the kind of route they go to, counted while they arrive.

A declared Content-Length over the route's limit is refused before a byte is read; a chunked
body (or one longer than it said) is refused with the same 413 as soon as the bytes received
pass the limit, whatever the route was doing with them. Nothing reads a body before this, so
no route, guard or parser ever holds more than its limit in memory or scans more on the loop.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from domain.documents.forms import MAX_TEMPLATE_BYTES
from domain.documents.uploads import file_too_large

# Room for a multipart form's boundaries and its other fields around the file itself.
FORM_OVERHEAD = 64 * 1024
UPLOAD_PATHS = ("/chat/uploads",)
TEMPLATE_PREFIX = "/api/v1/document-templates"
WEBHOOK_PATHS = ("/telegram/webhook", "/sms/inbound", "/sms/status")
# A websocket message larger than this is refused by uvicorn itself (close code 1009) before
# the app reads it; its default would buffer 16 MiB. The sockets' frames are 4 KiB at most.
WEBSOCKET_MAX_BYTES = 64 * 1024


@dataclass(frozen=True)
class RouteClass:
    """A kind of route, the largest body it takes, and how a larger one is refused."""

    name: str
    max_bytes: int
    code: str
    detail: str


@dataclass(frozen=True)
class BodyLimits:
    """The limit of each kind of route: the JSON API, uploads, templates and webhooks."""

    api: RouteClass
    uploads: RouteClass
    templates: RouteClass
    webhooks: RouteClass

    @classmethod
    def of(cls, *, api_bytes: int, upload_bytes: int, webhook_bytes: int) -> BodyLimits:
        """Limits from the settings: the API's and webhooks' bodies, the largest file sent."""
        too_large = "too_large"
        return cls(
            api=RouteClass(
                "api", api_bytes, too_large, f"The API takes bodies up to {_size(api_bytes)}."
            ),
            uploads=RouteClass(
                "uploads",
                upload_bytes + FORM_OVERHEAD,
                "file_too_large",
                file_too_large(upload_bytes).message,
            ),
            templates=RouteClass(
                "templates",
                MAX_TEMPLATE_BYTES + FORM_OVERHEAD,
                "file_too_large",
                f"Templates are limited to {_size(MAX_TEMPLATE_BYTES)}.",
            ),
            webhooks=RouteClass(
                "webhooks",
                webhook_bytes,
                too_large,
                f"Webhooks take bodies up to {_size(webhook_bytes)}.",
            ),
        )

    def route_class(self, path: str) -> RouteClass:
        if path in UPLOAD_PATHS:
            return self.uploads
        if path == TEMPLATE_PREFIX or path.startswith(TEMPLATE_PREFIX + "/"):
            return self.templates
        if path in WEBHOOK_PATHS:
            return self.webhooks
        return self.api


class BodyTooLarge(Exception):
    """Raised to the route reading a body once it has passed its limit (already answered)."""


class LimitRequestBodies:
    """ASGI middleware refusing bodies over their route's limit, declared or counted."""

    def __init__(self, app: ASGIApp, limits: BodyLimits) -> None:
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        route_class = self.limits.route_class(scope["path"])
        declared = _content_length(scope)
        if declared is not None and declared > route_class.max_bytes:
            await _refuse(send, route_class)
            return
        guard = _CountingGuard(route_class, receive, send)
        try:
            await self.app(scope, guard.receive, guard.send)
        except BodyTooLarge:
            pass
        except Exception:
            if not guard.refused:
                raise
            # The route turned the refusal into an error of its own: it has been answered.


class _CountingGuard:
    """Counts what arrives; past the limit, answers 413 and stops the route's sending."""

    def __init__(self, route_class: RouteClass, receive: Receive, send: Send) -> None:
        self.route_class = route_class
        self._receive, self._send = receive, send
        self.received = 0
        self.started = False
        self.refused = False

    async def receive(self) -> Message:
        if self.refused:
            raise BodyTooLarge
        message = await self._receive()
        if message["type"] == "http.request":
            self.received += len(message.get("body", b""))
            if self.received > self.route_class.max_bytes:
                if not self.started:
                    await _refuse(self._send, self.route_class)
                self.refused = True
                raise BodyTooLarge
        return message

    async def send(self, message: Message) -> None:
        if self.refused:
            return  # the refusal is the answer; whatever the route says after is dropped
        if message["type"] == "http.response.start":
            self.started = True
        await self._send(message)


def _content_length(scope: Scope) -> int | None:
    headers: list[tuple[bytes, bytes]] = scope.get("headers", [])
    value = next((v for k, v in headers if k == b"content-length"), None)
    if value is None or not value.strip().isdigit():
        return None  # none, or malformed: uvicorn refuses a malformed one itself
    return int(value)


async def _refuse(send: Send, route_class: RouteClass) -> None:
    body = json.dumps({"code": route_class.code, "detail": route_class.detail}).encode()
    headers: list[Any] = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        # The rest of the body is not wanted: end the connection rather than read it.
        (b"connection", b"close"),
    ]
    await send({"type": "http.response.start", "status": 413, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _size(size_bytes: int) -> str:
    if size_bytes % (1024 * 1024) == 0:
        return f"{size_bytes // (1024 * 1024)} MB"
    return f"{size_bytes // 1024} KB"
