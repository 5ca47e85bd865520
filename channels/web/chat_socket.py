"""The web chat's websocket: an anonymous visitor's session, their messages and the replies."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
import secrets
from collections.abc import Callable
from contextlib import suppress
from typing import Any
from urllib.parse import urlsplit

from anyio import to_thread
from fastapi import APIRouter, WebSocket, WebSocketDisconnect, status

from channels.bus import Event, conversation_topic
from channels.hub import Hub
from channels.messages import Inbound
from channels.presenting import times_on_buttons
from channels.web.frames import error_frame
from channels.web.sending import Sender, frames
from domain.conversations.language import hint_language
from domain.kernel.errors import DomainError
from domain.kernel.languages import accepted_languages

log = logging.getLogger(__name__)
UNAVAILABLE = "We could not take that message just now; please send it again."

CLIENT_FRAMES = {"message": ("id", "text"), "ping": ()}
SESSION = re.compile(r"^[A-Za-z0-9_-]{43}$")  # secrets.token_urlsafe(32)
# What a client sees of the transcript: never the agent's tool calls, nor their own echo.
_SHOWN = frozenset({"agent", "staff", "system"})


def session_address(session: str) -> str:
    """Where a web session lives in the database: its hash, so a leaked row reveals no token."""
    return hashlib.sha256(session.encode()).hexdigest()


def opened_by_this_site(websocket: WebSocket, public_url: str | None) -> bool:
    """Whether the socket was opened by our own page (or by no browser at all).

    A browser names the page that opens a websocket in `Origin`, and lets any site open one:
    a page elsewhere could chat in a session it chose (session fixation) and read every frame.
    """
    origin = websocket.headers.get("origin")
    if origin is None:
        return True  # not a browser: a program holds its session itself
    found = urlsplit(origin)
    ours = {websocket.headers.get("host", "")}
    if public_url:
        ours.add(urlsplit(public_url).netloc)
    return found.scheme in ("http", "https") and found.netloc in ours


def chat_router(hub_of: Callable[[], Hub], *, public_url: str | None = None) -> APIRouter:
    """The client socket; `hub_of` gives the hub the app's lifespan built."""
    router = APIRouter()

    @router.websocket("/ws/chat")
    async def chat(websocket: WebSocket, session: str | None = None) -> None:
        if not opened_by_this_site(websocket, public_url):
            await websocket.close(code=status.WS_1008_POLICY_VIOLATION)  # a 403 before accept
            return
        hub = hub_of()
        await websocket.accept()
        if session is None or not SESSION.match(session):
            session = secrets.token_urlsafe(32)
        address = session_address(session)
        with suppress(WebSocketDisconnect):
            sender = Sender(websocket)
            conversation = await hub.conversation_for("web", address)
            # Listen before reading the history, so nothing said in between is missed.
            watching = WatchedConversation(hub, sender, conversation.id if conversation else None)
            history = await hub.history(conversation.id, with_tools=False) if conversation else []
            history = [times_on_buttons(entry) for entry in history]
            watching.shown_up_to = max((e["entry_id"] for e in history), default=0)
            await sender.send(
                {
                    "type": "hello",
                    "session": session,
                    "conversation_id": conversation.id if conversation else None,
                    "status": conversation.status if conversation else "bot",
                    # The chat words its own texts in it; before one is known, in the browser's.
                    "language": conversation.language if conversation else None,
                    "history": history,
                }
            )
            hints = accepted_languages(websocket.headers.get("accept-language"))
            await watching.run(_read(websocket, hub, sender, address, watching, hints))

    return router


class WatchedConversation:
    """Forwards the bus's events of the client's current conversation to the socket.

    A visitor has no conversation until their first message starts one.
    """

    def __init__(self, hub: Hub, sender: Sender, conversation_id: str | None) -> None:
        self.hub, self.sender, self.conversation_id = hub, sender, conversation_id
        self.queue: asyncio.Queue[Event] = asyncio.Queue(1000)
        self.shown_up_to = 0  # entries up to this id went out in the hello's history
        if conversation_id is not None:
            self.hub.bus.listen(self.queue, conversation_topic(conversation_id))

    async def run(self, reading: Any) -> None:
        writer = asyncio.create_task(self._write())
        try:
            await reading
        finally:
            writer.cancel()
            if self.conversation_id is not None:
                self.hub.bus.stop_listening(self.queue, conversation_topic(self.conversation_id))

    async def follow(self, conversation_id: str) -> None:
        """Listen to the conversation a message went to, if it is a new one."""
        if conversation_id == self.conversation_id:
            return
        if self.conversation_id is not None:  # the old one was closed
            self.hub.bus.stop_listening(self.queue, conversation_topic(self.conversation_id))
        self.conversation_id = conversation_id
        self.hub.bus.listen(self.queue, conversation_topic(conversation_id))
        await self.sender.send(
            {"type": "status", "conversation_id": conversation_id, "status": "bot", "staff": None}
        )

    async def _write(self) -> None:
        while True:
            event = await self.queue.get()
            frame = _client_frame(event, self.shown_up_to)
            if frame is not None:
                await self.sender.send(frame)


def _client_frame(event: Event, shown_up_to: int) -> dict[str, Any] | None:
    if event["type"] == "entry":
        entry = event["entry"]
        if entry["author"] not in _SHOWN or entry["entry_id"] <= shown_up_to:
            return None
        return {"type": "reply", **times_on_buttons(entry)}
    return event


async def _read(
    websocket: WebSocket,
    hub: Hub,
    sender: Sender,
    address: str,
    watching: WatchedConversation,
    hints: list[str],
) -> None:
    async def started(conversation_id: str) -> None:
        # The browser's languages are the first hint, before the client has written a word.
        await to_thread.run_sync(
            lambda: hint_language(uow=hub.uow(), conversation_id=conversation_id, hints=hints)
        )
        await watching.follow(conversation_id)

    async for frame in frames(websocket, sender, CLIENT_FRAMES):
        if frame["type"] == "ping":
            await sender.send({"type": "pong"})
            continue
        try:
            receipt = await hub.receive(
                Inbound("web", address, frame["text"].strip(), message_id=frame["id"]),
                on_conversation=started,
            )
        except DomainError as refusal:
            await sender.send(error_frame(refusal.code, refusal.message, frame["id"]))
            continue
        except Exception:
            # The message was not taken; the client may send it again under the same id.
            log.exception("could not take a web chat message in")
            await sender.send(error_frame("unavailable", UNAVAILABLE, frame["id"]))
            continue
        await sender.send({"type": "ack", "id": frame["id"], "duplicate": receipt.duplicate})
