"""Running the queued turns of conversations, one at a time each, across app processes.

A message taken in is queued in the database with it (domain.conversations.turn_queue). The
process that took it in tries to lease the conversation and runs its queue in order; when
another process holds the lease, that one runs the message next, after its current turn. A
holder gives the lease up and then looks at the queue once more, so a message queued while
it was giving up is never left behind. Leases are renewed while they are held; a process
that dies stops renewing, and each process's sweep runs what an expired lease left queued.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from anyio import to_thread

from domain.conversations import turn_queue
from domain.kernel.errors import Conflict
from domain.kernel.uow import UnitOfWork
from domain.models import QueuedTurn

log = logging.getLogger(__name__)
T = TypeVar("T")
# Runs the agent on a conversation: (conversation id, the client's words or None, entry id).
RunTurn = Callable[[str, str | None, int | None], Awaitable[None]]
BUSY = "The agent is still answering in this conversation; please try again in a moment."


class TurnRunner:
    def __init__(
        self,
        *,
        uow: Callable[[], UnitOfWork],
        run_turn: RunTurn,
        lease_seconds: float = 15.0,
        sweep_seconds: float = 1.0,
        wait_for_lease_seconds: float = 120.0,
    ) -> None:
        self.uow = uow
        self.run_turn = run_turn
        self.lease = timedelta(seconds=lease_seconds)
        self.sweep_seconds = sweep_seconds
        self.wait_for_lease_seconds = wait_for_lease_seconds
        self.process = uuid.uuid4().hex[:12]
        # The leases held here now: holder token -> conversation.
        self._held: dict[str, str] = {}
        # Conversations whose queue a task of this process is running.
        self._serving: dict[str, asyncio.Task[None]] = {}
        # Conversations kicked while their task was running: it looks at the queue once more.
        self._again: set[str] = set()
        self._background: tuple[asyncio.Task[None], asyncio.Task[None]] | tuple[()] = ()

    async def start(self) -> None:
        self._background = (
            asyncio.create_task(self._keep_leases()),
            asyncio.create_task(self._sweep()),
        )

    async def stop(self) -> None:
        """Finish the turns under way (their leases renewed meanwhile), then stop.

        The sweep stops first: what is still queued is left to the other processes (or to
        this one's next start), so a busy queue cannot hold a shutdown up.
        """
        keeping, sweeping = self._background or (None, None)
        await _cancelled(sweeping)
        await self.drain()
        await _cancelled(keeping)

    async def drain(self) -> None:
        while self._serving:
            await asyncio.gather(*list(self._serving.values()), return_exceptions=True)

    def kick(self, conversation_id: str) -> None:
        """Run the conversation's queue here, unless this process is running it already."""
        running = self._serving.get(conversation_id)
        if running is not None and not running.done():
            self._again.add(conversation_id)  # that task looks at the queue again before it ends
            return
        task = asyncio.create_task(self._serve(conversation_id))
        self._serving[conversation_id] = task
        task.add_done_callback(lambda done: self._forget(conversation_id, done))

    def _forget(self, conversation_id: str, task: asyncio.Task[None]) -> None:
        if self._serving.get(conversation_id) is task:
            del self._serving[conversation_id]

    @asynccontextmanager
    async def holding(self, conversation_id: str) -> AsyncIterator[None]:
        """Hold the conversation's lease (a turn under way anywhere finishes first)."""
        holder = self._token()
        deadline = asyncio.get_running_loop().time() + self.wait_for_lease_seconds
        while not await self._claim(conversation_id, holder):
            if asyncio.get_running_loop().time() > deadline:
                raise Conflict(BUSY)
            await asyncio.sleep(0.05)
        try:
            yield
        finally:
            await self._release(conversation_id, holder)
            await self._look_again(conversation_id)

    async def _serve(self, conversation_id: str) -> None:
        try:
            while await self._serve_queue(conversation_id):
                # Given up; a message queued meanwhile may have found the lease still held.
                if await self._next(conversation_id) is None and not self._kicked(conversation_id):
                    return
        except Exception:
            # The database is away: what is queued stays queued, and a sweep runs it.
            log.exception("could not run the turns of conversation %s", conversation_id)

    def _kicked(self, conversation_id: str) -> bool:
        """Whether a message was queued here since this conversation's task last looked."""
        kicked = conversation_id in self._again
        self._again.discard(conversation_id)
        return kicked

    async def _serve_queue(self, conversation_id: str) -> bool:
        """Run the queue to its end under the lease; False when another holder has it."""
        holder = self._token()
        if not await self._claim(conversation_id, holder):
            return False  # its holder runs this message after its current turn
        try:
            while True:
                self._again.discard(conversation_id)  # what it was kicked for is read now
                turn = await self._next(conversation_id)
                if turn is None:
                    break
                text = await self._db(turn_queue.message_of, turn=turn)
                await self.run_turn(conversation_id, text, turn.entry_id)
                assert turn.id is not None
                await self._db(turn_queue.turn_done, turn_id=turn.id)
        finally:
            await self._release(conversation_id, holder)
        return True

    async def _look_again(self, conversation_id: str) -> None:
        """A message queued while the lease was held: run it (the lease is free now)."""
        try:
            if await self._next(conversation_id) is not None:
                self.kick(conversation_id)
        except Exception:
            log.exception("could not look at the queue of conversation %s", conversation_id)

    async def _next(self, conversation_id: str) -> QueuedTurn | None:
        return await self._db(turn_queue.next_turn, conversation_id=conversation_id)

    async def _claim(self, conversation_id: str, holder: str) -> bool:
        claimed = await self._db(
            turn_queue.claim,
            conversation_id=conversation_id,
            holder=holder,
            now=_wall_clock(),
            lease=self.lease,
        )
        if claimed:
            self._held[holder] = conversation_id
        return claimed

    async def _release(self, conversation_id: str, holder: str) -> None:
        self._held.pop(holder, None)
        await self._db(turn_queue.release, conversation_id=conversation_id, holder=holder)

    async def _keep_leases(self) -> None:
        while True:
            await asyncio.sleep(self.lease.total_seconds() / 3)
            held = dict(self._held)
            try:
                await self._db(
                    turn_queue.renew,
                    holders=list(held),
                    conversation_ids=list(set(held.values())),
                    until=_wall_clock() + self.lease,
                )
            except Exception:
                log.exception("could not renew this process's leases")

    async def _sweep(self) -> None:
        # Found unattended twice in a row: the process that took the message in has had a
        # whole sweep to lease it, so a sweep takes only what nobody else will.
        suspects: set[str] = set()
        while True:
            await asyncio.sleep(self.sweep_seconds)
            try:
                found = set(await self._db(turn_queue.unattended, now=_wall_clock()))
            except Exception:
                log.exception("could not look for queued turns")
                continue
            for conversation_id in found & suspects:
                self.kick(conversation_id)
            suspects = found

    def _token(self) -> str:
        return f"{self.process}:{uuid.uuid4().hex[:12]}"

    async def _db(self, func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        return await to_thread.run_sync(lambda: func(*args, uow=self.uow(), **kwargs))


async def _cancelled(task: asyncio.Task[None] | None) -> None:
    if task is not None:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task


def _wall_clock() -> datetime:
    """Leases expire in real time, even where the practice's clock is frozen (demos, tests)."""
    return datetime.now(UTC)
