"""The client side of the /ws/chat protocol shared by every ws_load client.

A turn is one `message` frame and the frames answering it, up to the `typing` frame with
on=false; its latency runs from sending the message to the last `reply` frame. Frames the
protocol promises but that do not come are counted as gaps of the conversation, not raised.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from websockets.asyncio.client import ClientConnection

TURN_TIMEOUT = 60.0


@dataclass
class Turn:
    text: str
    latency: float
    frames: int
    size: int
    replies: list[dict[str, Any]]


@dataclass
class Conversation:
    index: int
    turns: list[Turn] = field(default_factory=list)
    booking_id: str | None = None
    failure: str | None = None
    refusals: int = 0
    error_codes: Counter[str] = field(default_factory=Counter)
    gaps: Counter[str] = field(default_factory=Counter)

    @property
    def texts(self) -> list[str]:
        return [turn.text for turn in self.turns]


# A client plays one conversation as visitor `index` against a websocket URL.
Client = Callable[[str, int], Awaitable[Conversation]]


class Failed(Exception):
    """The conversation cannot go on (a closed socket, a timeout, a reply nobody understands)."""


async def receive(ws: ClientConnection, timeout: float) -> tuple[dict[str, Any], int]:
    raw = await asyncio.wait_for(ws.recv(), timeout)
    frame = json.loads(raw)
    if not isinstance(frame, dict):
        raise Failed(f"frame is not an object: {raw!r:.200}")
    return frame, len(raw)


async def hello(ws: ClientConnection, conversation: Conversation) -> None:
    frame, _ = await receive(ws, TURN_TIMEOUT)
    if frame.get("type") != "hello":
        conversation.gaps["first frame not hello"] += 1
        raise Failed(f"first frame was {frame!r:.200}")


async def play_turn(ws: ClientConnection, conversation: Conversation, message: str) -> Turn:
    """Send one message; collect the replies up to the `typing` on=false that ends the turn."""
    message_id = f"bench-{conversation.index}-{len(conversation.turns)}"
    sent = time.perf_counter()
    await ws.send(json.dumps({"type": "message", "id": message_id, "text": message}))
    replies: list[dict[str, Any]] = []
    frames = size = 0
    acked = False
    last_reply = 0.0
    pieces: set[str] = set()
    deadline = sent + TURN_TIMEOUT
    while True:
        try:
            frame, length = await receive(ws, deadline - time.perf_counter())
        except TimeoutError:
            raise Failed(f"no end of turn within {TURN_TIMEOUT:.0f} s after {message!r}") from None
        frames += 1
        size += length
        kind = frame.get("type")
        if kind == "ack":
            acked = acked or frame.get("id") == message_id
        elif kind == "delta":
            pieces.add(str(frame.get("reply_id")))
        elif kind == "reply":
            if not acked:
                # Before this message's ack: most likely a reply to the previous message that
                # came after the typing on=false which was to end that turn.
                conversation.gaps["reply before the ack of the message it answers"] += 1
            replies.append(frame)
            last_reply = time.perf_counter()
        elif kind == "error":
            conversation.error_codes[str(frame.get("code"))] += 1
            raise Failed(f"error frame {frame!r:.300} after {message!r}")
        elif kind == "typing" and frame.get("on") is False:
            break
    if not acked:
        conversation.gaps["turn without ack of its message id"] += 1
    if not replies:
        conversation.gaps["turn ended (typing off) without a reply"] += 1
        last_reply = time.perf_counter()
    if pieces - {str(reply.get("reply_id")) for reply in replies}:
        conversation.gaps["delta pieces whose reply_id no reply of the turn has"] += 1
    turn = Turn(message, last_reply - sent, frames, size, replies)
    conversation.turns.append(turn)
    return turn


async def _load(
    client: Client, url: str, indices: Sequence[int]
) -> tuple[float, list[Conversation]]:
    started = time.perf_counter()
    conversations = await asyncio.gather(*(client(url, index) for index in indices))
    return time.perf_counter() - started, list(conversations)


def load(client: Client, url: str, indices: Sequence[int]) -> tuple[float, list[Conversation]]:
    """Run one client per index, all at once; return the wall time and their conversations."""
    return asyncio.run(_load(client, url, indices))
