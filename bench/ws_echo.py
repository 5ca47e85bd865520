"""The baseline for ws_load: a bare FastAPI websocket endpoint and the client that replays to it.

The endpoint runs in its own uvicorn process, like the real server, and answers each message
with as many frames and bytes as it is told, so the replayed turns cost the server only the
websocket and JSON work that every frontdesk turn pays too.
"""

from __future__ import annotations

import json
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, WebSocket, WebSocketDisconnect
from websockets.asyncio.client import connect

from bench.ws_client import TURN_TIMEOUT, Client, Conversation, hello, play_turn
from testkit.processes import free_port, serving

ROOT = Path(__file__).resolve().parents[1]


def echo_app() -> FastAPI:
    """A bare websocket endpoint answering each message with `frames` frames of `size` bytes.

    The frames are shaped like the protocol's (hello; ack, typing, delta pieces, the reply,
    typing off) but nothing is looked up or decided: the text is echoed and padded.
    """
    app = FastAPI()

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.websocket("/ws/echo")
    async def echo(ws: WebSocket, frames: int = 4, size: int = 600) -> None:
        await ws.accept()
        session = uuid.uuid4().hex
        await ws.send_text(
            json.dumps(
                {
                    "type": "hello",
                    "session": session,
                    "conversation_id": session,
                    "status": "bot",
                    "history": [],
                }
            )
        )
        count = 0
        try:
            while True:
                message = json.loads(await ws.receive_text())
                count += 1
                ack = json.dumps({"type": "ack", "id": message.get("id"), "duplicate": False})
                typing_on = json.dumps({"type": "typing", "on": True})
                typing_off = json.dumps({"type": "typing", "on": False})
                pieces = max(0, frames - 4)
                room = size - len(ack) - len(typing_on) - len(typing_off)
                await ws.send_text(ack)
                await ws.send_text(typing_on)
                # Like a streamed reply: the text in pieces, then the whole entry once more.
                words = str(message.get("text", "")).split() or ["echo"]
                for piece in range(pieces):
                    delta = {"type": "delta", "reply_id": f"r-{count}", "text": words[0]}
                    pad = room // 2 // pieces - len(json.dumps(delta))
                    delta["text"] = words[piece % len(words)] + " " + "x" * max(0, pad - 1)
                    await ws.send_text(json.dumps(delta))
                entry: dict[str, Any] = {
                    "type": "reply",
                    "entry_id": count,
                    "reply_id": f"r-{count}",
                    "author": "agent",
                    "text": str(message.get("text", "")),
                    "buttons": [],
                    "card": None,
                }
                pad = (room if pieces == 0 else room - room // 2) - len(json.dumps(entry))
                entry["text"] += " " + "x" * max(0, pad - 1)
                await ws.send_text(json.dumps(entry))
                await ws.send_text(typing_off)
        except WebSocketDisconnect:
            return

    return app


@contextmanager
def echo_server() -> Iterator[tuple[str, int]]:
    """Serve echo_app with uvicorn in its own process; yield its ws:// base URL and pid."""
    port = free_port()
    command = [
        *(sys.executable, "-m", "uvicorn", "--factory", "bench.ws_echo:echo_app"),
        *("--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"),
    ]
    with serving(command, ready_url=f"http://127.0.0.1:{port}/healthz") as process:
        yield f"ws://127.0.0.1:{port}", process.pid


def replayer(texts: dict[int, list[str]]) -> Client:
    """Return a client that sends visitor `index`'s texts of the real run to the echo endpoint."""

    async def replay(url: str, index: int) -> Conversation:
        conversation = Conversation(index)
        try:
            async with connect(url, open_timeout=TURN_TIMEOUT) as ws:
                await hello(ws, conversation)
                for message in texts[index]:
                    await play_turn(ws, conversation, message)
            conversation.booking_id = "echo"
        except Exception as exc:
            conversation.failure = f"{type(exc).__name__}: {exc}"
        return conversation

    return replay
