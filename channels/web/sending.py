"""One writer at a time on a websocket: replies and acknowledgements come from two tasks."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from fastapi import WebSocket

from channels.web.frames import FrameError, RateLimit, read_frame


class Sender:
    def __init__(self, websocket: WebSocket) -> None:
        self.websocket = websocket
        self._lock = asyncio.Lock()

    async def send(self, frame: dict[str, Any]) -> None:
        async with self._lock:
            await self.websocket.send_json(frame)


async def frames(
    websocket: WebSocket, sender: Sender, known: dict[str, tuple[str, ...]]
) -> AsyncIterator[dict[str, Any]]:
    """Yield the client's acceptable frames until it disconnects; answer bad ones with errors."""
    limit = RateLimit()
    while True:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            return
        try:
            limit.check()
            yield read_frame(message.get("text", message.get("bytes")), known)
        except FrameError as error:
            await sender.send(error.frame())
