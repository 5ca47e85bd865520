"""A websocket client of the web chat, speaking the protocol the README documents."""

from __future__ import annotations

import json
import random
import uuid
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any

from websockets.sync.client import ClientConnection, connect

Frame = dict[str, Any]
WAIT_SECONDS = 60


@dataclass
class Exchange:
    """Everything the server sent between one message and the end of the agent's turn."""

    ack: Frame | None = None
    frames: list[Frame] = field(default_factory=list)

    @property
    def replies(self) -> list[Frame]:
        return [f for f in self.frames if f["type"] == "reply"]

    @property
    def text(self) -> str:
        return "\n".join(r["text"] for r in self.replies)

    @property
    def buttons(self) -> list[dict[str, str]]:
        return self.replies[-1]["buttons"] if self.replies else []

    @property
    def card(self) -> dict[str, Any] | None:
        return next((r["card"] for r in reversed(self.replies) if r["card"]), None)

    def of_type(self, kind: str) -> list[Frame]:
        return [f for f in self.frames if f["type"] == kind]


class ChatClient:
    def __init__(self, ws_url: str, session: str | None = None) -> None:
        query = f"?session={session}" if session else ""
        self._opened = ExitStack()
        self.socket: ClientConnection = self._opened.enter_context(
            connect(f"{ws_url}/ws/chat{query}", max_size=2**22)
        )
        self.hello: Frame = self.receive()
        assert self.hello["type"] == "hello", self.hello
        self.session: str = self.hello["session"]

    def __enter__(self) -> ChatClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        self._opened.close()

    def receive(self, timeout: float = WAIT_SECONDS) -> Frame:
        frame: Frame = json.loads(self.socket.recv(timeout=timeout))
        return frame

    def send(self, frame: Frame | str) -> None:
        self.socket.send(frame if isinstance(frame, str) else json.dumps(frame))

    def say(self, text: str, *, message_id: str | None = None, answered: bool = True) -> Exchange:
        """Send a message; wait for its ack and, when `answered`, the end of the agent's turn."""
        message_id = message_id or uuid.uuid4().hex
        self.send({"type": "message", "id": message_id, "text": text})
        exchange = Exchange()
        while exchange.ack is None or (answered and not _turn_ended(exchange)):
            frame = self.receive()
            if frame["type"] == "ack" and frame["id"] == message_id:
                exchange.ack = frame
                if frame["duplicate"]:
                    return exchange
            else:
                exchange.frames.append(frame)
        return exchange

    def press(self, exchange: Exchange, label: str) -> Exchange:
        """Press the button whose label starts with `label`."""
        button = next(b for b in exchange.buttons if b["label"].startswith(label))
        return self.say(button["value"])

    def until(self, kind: str, timeout: float = WAIT_SECONDS) -> Frame:
        """Wait for the next frame of this type (skipping others)."""
        while True:
            frame = self.receive(timeout)
            if frame["type"] == kind:
                return frame


def _turn_ended(exchange: Exchange) -> bool:
    return any(f["type"] == "typing" and not f["on"] for f in exchange.frames)


INTAKE = "born 1990-04-01, insurance number A123456789"


def book_something(
    client: ChatClient, *, request: str, name: str, phone: str, rng: random.Random
) -> dict[str, Any]:
    """Book like a person would: pick an offered time, say who, answer, confirm; retry if taken.

    Returns the booking card. Raises AssertionError when no booking came of 25 exchanges.
    """
    said = client.say(request)
    for _ in range(25):
        if said.card is not None and said.card["status"] == "confirmed":
            return said.card
        reply = said.text
        if any(b["label"] == "Confirm" for b in said.buttons):
            said = client.say("Confirm")
        elif said.buttons:
            said = client.say(rng.choice(said.buttons)["value"])
        elif "full name" in reply:
            said = client.say(f"I'm {name}, {phone}")
        elif "still need" in reply:
            said = client.say(INTAKE)
        else:
            # Taken meanwhile, or anything else: ask again for fresh times.
            said = client.say(request)
    raise AssertionError(f"no booking for {name}; last reply: {said.text!r}")
