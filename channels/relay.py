"""Live events between app processes: PostgreSQL NOTIFY carrying ids, LISTEN in every process.

A process publishes on its own bus (channels.bus) and sends a signal naming what changed — a
conversation, an entry, a staff account, a knowledge entry — never the text. Every other
process reads the rows it names and publishes them on its own bus, to the sockets connected
there. On SQLite there is one process, and nothing to relay.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections.abc import Awaitable, Callable
from contextlib import suppress
from typing import Protocol

import psycopg

log = logging.getLogger(__name__)
Signal = dict[str, str | int | bool]
Handler = Callable[[Signal], Awaitable[None]]
CHANNEL = "frontdesk_events"
# PostgreSQL refuses payloads of 8,000 bytes or more; ours are ids, and a bad one is dropped.
MAX_PAYLOAD = 1000
RECONNECT_SECONDS = 1.0


class Relay(Protocol):
    def send(self, kind: str, /, **ids: str | int | bool) -> None:
        """Tell the other processes; safe to call from any thread."""

    def handle(self, kind: str, handler: Handler) -> None:
        """Run `handler` on each signal of this kind another process sends."""

    def on_reconnect(self, handler: Callable[[], Awaitable[None]]) -> None:
        """Run `handler` after listening resumed: signals sent meanwhile were missed."""


class NoRelay:
    """One process (SQLite): its own bus reaches every socket."""

    def send(self, kind: str, /, **ids: str | int | bool) -> None:
        pass

    def handle(self, kind: str, handler: Handler) -> None:
        pass

    def on_reconnect(self, handler: Callable[[], Awaitable[None]]) -> None:
        pass


class PostgresRelay:
    """NOTIFY and LISTEN on one channel over two connections of this process's own."""

    def __init__(self, dsn: str) -> None:
        self._dsn = dsn  # libpq's form: postgresql://user:password@host/database
        self.origin = uuid.uuid4().hex[:16]
        self._handlers: dict[str, Handler] = {}
        self._reconnected: list[Callable[[], Awaitable[None]]] = []
        self._outbox: asyncio.Queue[str] = asyncio.Queue()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self.listening = asyncio.Event()

    def send(self, kind: str, /, **ids: str | int | bool) -> None:
        payload = json.dumps({"o": self.origin, "k": kind, **ids}, separators=(",", ":"))
        if len(payload) > MAX_PAYLOAD or self._loop is None:
            log.error("signal %s not sent (%d bytes)", kind, len(payload))
            return
        self._loop.call_soon_threadsafe(self._outbox.put_nowait, payload)

    def handle(self, kind: str, handler: Handler) -> None:
        self._handlers[kind] = handler

    def on_reconnect(self, handler: Callable[[], Awaitable[None]]) -> None:
        self._reconnected.append(handler)

    async def start(self) -> None:
        """Start listening and sending; return once this process hears the others."""
        self._loop = asyncio.get_running_loop()
        self._tasks = [
            asyncio.create_task(self._listen()),
            asyncio.create_task(self._send_all()),
        ]
        await asyncio.wait_for(self.listening.wait(), timeout=30)

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with suppress(asyncio.CancelledError):
                await task

    async def _send_all(self) -> None:
        while True:
            payload = await self._outbox.get()
            try:
                async with await psycopg.AsyncConnection.connect(
                    self._dsn, autocommit=True
                ) as connection:
                    while True:
                        await connection.execute("SELECT pg_notify(%s, %s)", (CHANNEL, payload))
                        payload = await self._outbox.get()
            except (psycopg.Error, OSError):
                # The one in hand is lost (a reload of the page shows it); the rest go on.
                log.exception("could not send a signal; connecting again")
                await asyncio.sleep(RECONNECT_SECONDS)

    async def _listen(self) -> None:
        first = True
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(
                    self._dsn, autocommit=True
                ) as connection:
                    await connection.execute(f"LISTEN {CHANNEL}")
                    self.listening.set()
                    if not first:
                        await self._after_reconnect()
                    first = False
                    async for notice in connection.notifies():
                        await self._dispatch(notice.payload)
            except (psycopg.Error, OSError):
                log.exception("stopped hearing other processes; listening again")
                await asyncio.sleep(RECONNECT_SECONDS)

    async def _dispatch(self, payload: str) -> None:
        try:
            signal: Signal = json.loads(payload)
        except ValueError:
            return
        if signal.get("o") == self.origin:
            return  # published here already
        handler = self._handlers.get(str(signal.get("k")))
        if handler is None:
            return
        try:
            await handler(signal)
        except Exception:
            log.exception("could not pass on signal %s", signal.get("k"))

    async def _after_reconnect(self) -> None:
        for handler in self._reconnected:
            try:
                await handler()
            except Exception:
                log.exception("could not catch up after listening again")
