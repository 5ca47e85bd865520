"""The providers' console websocket: the live list, transcripts, and taking conversations over."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from contextlib import suppress
from typing import Any

from anyio import to_thread
from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from channels.bus import CONSOLE, Event, conversation_topic
from channels.hub import Hub
from channels.web.frames import error_frame
from channels.web.sending import Sender, frames
from domain.kernel.errors import DomainError
from domain.models import StaffUser

log = logging.getLogger(__name__)
# Who a token belongs to and its seconds left; raises DomainError for a bad or expired one.
Authenticate = Callable[[str], tuple[StaffUser, float]]
Colleagues = Callable[[], Awaitable[list[StaffUser]]]
UNAUTHORIZED = 4401
# An event on an account's topic when every token of it has ended (signed out everywhere,
# deactivated, password changed): its sockets in this process close at once.
ACCESS_ENDED = "access_ended"
# Sockets also ask again this often whether their token is still good, and before every
# action: what another process ended reaches them too.
RECHECK_SECONDS = 10.0
CONSOLE_FRAMES: dict[str, tuple[str, ...]] = {
    "open": ("conversation_id",),
    "take_over": ("conversation_id",),
    "reply": ("conversation_id", "text"),
    "hand_back": ("conversation_id",),
    "transfer": ("conversation_id", "to_staff_id"),
    "close": ("conversation_id",),
    "ping": (),
}


def staff_topic(staff_id: str) -> str:
    return f"staff:{staff_id}"


def console_router(
    hub_of: Callable[[], Hub], authenticate: Authenticate, colleagues: Colleagues
) -> APIRouter:
    """The console socket; `hub_of` gives the hub the app's lifespan built."""
    router = APIRouter()

    @router.websocket("/ws/console")
    async def console(websocket: WebSocket, token: str | None = None) -> None:
        hub = hub_of()
        await websocket.accept()
        try:
            staff, seconds_left = authenticate(token or "")
        except DomainError as refusal:
            await websocket.close(code=UNAUTHORIZED, reason=refusal.message[:120])
            return
        # The socket lives no longer than its token: the console signs in again then.
        expiry = asyncio.get_running_loop().call_later(
            seconds_left, lambda: asyncio.ensure_future(_expire(websocket))
        )
        sender = Sender(websocket)
        opened: set[str] = set()
        access = _Access(authenticate, token or "", staff)
        with (
            suppress(WebSocketDisconnect),
            hub.bus.listening(CONSOLE, staff_topic(staff.id)) as queue,
        ):
            await sender.send(
                {
                    "type": "hello",
                    "me": {"id": staff.id, "name": staff.name, "role": staff.role},
                    "colleagues": [
                        {"id": c.id, "name": c.name} for c in await colleagues() if c.id != staff.id
                    ],
                    "conversations": await hub.summaries(staff),
                }
            )
            writer = asyncio.create_task(_forward(queue, sender, websocket, hub, access))
            watcher = asyncio.create_task(_watch(access, websocket))
            try:
                await _read(websocket, hub, sender, access, queue, opened)
            finally:
                expiry.cancel()
                writer.cancel()
                watcher.cancel()
                hub.bus.stop_listening(queue, *(conversation_topic(c) for c in opened))

    return router


class _Access:
    """The socket's token, asked again whether it is still good (and by whom it is held)."""

    def __init__(self, authenticate: Authenticate, token: str, staff: StaffUser) -> None:
        self._authenticate = authenticate
        self._token = token
        self.staff = staff

    async def still_good(self) -> str | None:
        """Return why the token no longer works (None: it does), refreshing who holds it."""
        try:
            self.staff = (await to_thread.run_sync(self._authenticate, self._token))[0]
        except DomainError as refusal:
            return refusal.message
        return None


async def _expire(
    websocket: WebSocket, reason: str = "Sign in again: the token has expired."
) -> None:
    with suppress(RuntimeError):  # already closed
        await websocket.close(code=UNAUTHORIZED, reason=reason[:120])


async def _watch(access: _Access, websocket: WebSocket) -> None:
    while True:
        await asyncio.sleep(RECHECK_SECONDS)
        if (ended := await access.still_good()) is not None:
            await _expire(websocket, ended)
            return


async def _forward(
    queue: asyncio.Queue[Event], sender: Sender, websocket: WebSocket, hub: Hub, access: _Access
) -> None:
    """Pass on what happens in the conversations this staff member may see, and only those."""
    while True:
        event = await queue.get()
        if event["type"] == ACCESS_ENDED:
            await _expire(websocket, "Sign in again: you were signed out.")
            return
        if event["type"] not in ("conversation", "entry"):
            continue
        conversation_id = event.get("conversation_id") or event["conversation"]["id"]
        if await hub.may_see(access.staff, conversation_id):
            await sender.send(event)


async def _read(
    websocket: WebSocket,
    hub: Hub,
    sender: Sender,
    access: _Access,
    queue: asyncio.Queue[Event],
    opened: set[str],
) -> None:
    async for frame in frames(websocket, sender, CONSOLE_FRAMES):
        # Signed out in another process, or deactivated since the last look: nothing more.
        if (ended := await access.still_good()) is not None:
            await _expire(websocket, ended)
            return
        try:
            answer = await _act(hub, access.staff, frame, queue, opened)
        except DomainError as refusal:
            await sender.send(error_frame(refusal.code, refusal.message, frame.get("id")))
            continue
        except Exception:
            log.exception("console action %s failed", frame["type"])
            detail = "That did not work on our side; please try again."
            await sender.send(error_frame("unavailable", detail, frame.get("id")))
            continue
        await sender.send(answer)


async def _act(
    hub: Hub,
    staff: StaffUser,
    frame: dict[str, Any],
    queue: asyncio.Queue[Event],
    opened: set[str],
) -> dict[str, Any]:
    kind = frame["type"]
    done = {"type": "done", "id": frame.get("id"), "action": kind}
    if kind == "ping":
        return {"type": "pong"}
    conversation_id = frame["conversation_id"]
    if kind == "open":
        # Audited like the REST read, and refused as not found like it.
        entries = await hub.staff_history(staff, conversation_id)
        if conversation_id not in opened:
            opened.add(conversation_id)
            hub.bus.listen(queue, conversation_topic(conversation_id))
        return {"type": "transcript", "conversation_id": conversation_id, "entries": entries}
    if kind == "reply":
        await hub.staff_reply(
            staff_id=staff.id,
            conversation_id=conversation_id,
            text=frame["text"].strip(),
            message_id=frame.get("id"),
        )
    elif kind == "transfer":
        await hub.transfer(
            staff_id=staff.id, conversation_id=conversation_id, to_staff_id=frame["to_staff_id"]
        )
    else:
        actions = {"take_over": hub.take_over, "hand_back": hub.hand_back, "close": hub.close}
        await actions[kind](staff_id=staff.id, conversation_id=conversation_id)
    return done
