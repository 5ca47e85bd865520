"""Websocket frames: reading them defensively, and the errors a client gets back."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

from channels.storable_text import NOT_TEXT, all_storable, is_storable

MAX_FRAME_BYTES = 4096
MAX_TEXT = 2000
MAX_ID = 64
BURST = 10
PER_SECOND = 2.0


class FrameError(Exception):
    """A frame the server will not act on; the client gets `code` and `detail` back."""

    def __init__(self, code: str, detail: str, frame_id: str | None = None) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail
        self.frame_id = frame_id  # None when the frame could not be read far enough

    def frame(self) -> dict[str, str | None]:
        return error_frame(self.code, self.detail, self.frame_id)


def error_frame(code: str, detail: str, frame_id: str | None) -> dict[str, str | None]:
    """The error frame of the protocol, answering the frame with this id (if known)."""
    return {"type": "error", "code": code, "detail": detail, "id": frame_id}


@dataclass
class RateLimit:
    """A token bucket per connection: a burst of BURST frames, then PER_SECOND a second."""

    burst: float = BURST
    per_second: float = PER_SECOND
    tokens: float = BURST
    stamp: float = field(default_factory=time.monotonic)

    def check(self) -> None:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.per_second)
        self.stamp = now
        if self.tokens < 1:
            raise FrameError("rate_limited", "Too many messages at once; wait a moment.")
        self.tokens -= 1


def read_frame(raw: str | bytes | None, known: dict[str, tuple[str, ...]]) -> dict[str, Any]:
    """Parse a frame and check its type and required string fields; raise FrameError if bad."""
    if not isinstance(raw, str):
        raise FrameError("bad_json", "Send JSON text frames.")
    if len(raw.encode()) > MAX_FRAME_BYTES:
        raise FrameError("too_large", f"Frames are limited to {MAX_FRAME_BYTES} bytes.")
    try:
        frame = json.loads(raw)
    except ValueError:
        raise FrameError("bad_json", "That frame is not JSON.") from None
    if not isinstance(frame, dict):
        raise FrameError("bad_json", "A frame is a JSON object with a type.")
    message_id = frame.get("id")
    if message_id is not None and (not isinstance(message_id, str) or len(message_id) > MAX_ID):
        raise FrameError("bad_request", f"'id' must be a string of at most {MAX_ID} characters.")
    if not all_storable(frame):
        # No database stores them and no socket sends them back: the id is not echoed either.
        echoed = message_id if message_id is None or is_storable(message_id) else None
        raise FrameError("bad_request", f"This frame holds {NOT_TEXT}.", echoed)
    kind = frame.get("type")
    if kind not in known:
        raise FrameError("unknown_type", f"Unknown frame type {kind!r}.", message_id)
    for name in known[kind]:
        value = frame.get(name)
        if not isinstance(value, str) or not value.strip():
            detail = f"A {kind} frame needs a non-empty {name!r} string."
            raise FrameError("bad_request", detail, message_id)
        limit = MAX_TEXT if name == "text" else MAX_ID
        if len(value) > limit:
            detail = f"{name!r} is limited to {limit} characters."
            raise FrameError("bad_request", detail, message_id)
    return frame
