"""The conversation hub: every channel's messages go through here, one turn at a time.

The hub decides who answers — the agent (`bot`, `waiting_for_human`) or the person holding the
conversation (`human`) — records everything in the transcript, and publishes it live to the
client's channel and to the providers' console.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar
from weakref import WeakValueDictionary

from anyio import CapacityLimiter, to_thread

from agent.runner import ConversationAgent, Said
from channels.bus import CONSOLE, EventBus, conversation_topic
from channels.messages import Inbound, Receipt
from channels.outlets import SPOKEN_TO_CLIENT, Outlet
from channels.presenting import FormUrl, entry_json, summary_json, turn_entries
from domain.clients.names import client_names
from domain.conversations import handoff
from domain.conversations.access import may_see
from domain.conversations.listing import get_conversation, page_conversations
from domain.conversations.transcripts import (
    SPOKEN,
    find_conversation,
    left_unanswered,
    mark_seen_by_agent,
    read_transcript,
    record_entries,
    record_entry,
    take_in,
    transcript,
    unseen_by_agent,
)
from domain.kernel.uow import UnitOfWork
from domain.models import (
    Conversation,
    ConversationEntry,
    ConversationStatus,
    EntryAuthor,
    StaffUser,
)
from domain.staff.names import staff_names

log = logging.getLogger(__name__)
T = TypeVar("T")
# Called with the conversation a message went to, before anything is published about it.
Follow = Callable[[str], Awaitable[None]]
SORRY = "Sorry, something went wrong on our side. Please try again in a moment."


class Hub:
    def __init__(
        self,
        *,
        agent: ConversationAgent,
        uow: Callable[[], UnitOfWork],
        bus: EventBus,
        form_url: FormUrl,
        threads: int = 16,
        outlets: Mapping[str, Outlet] | None = None,
    ) -> None:
        self.agent = agent
        self.uow = uow
        self.bus = bus
        self.form_url = form_url
        # Channels whose clients are reached by sending (Telegram, SMS), by channel name.
        self.outlets: dict[str, Outlet] = dict(outlets or {})
        # Turns block on the database and the model: they run on worker threads, this many at once.
        self._threads = CapacityLimiter(threads)
        # A conversation's locks live while someone holds or awaits them, and no longer.
        self._intake: WeakValueDictionary[str, asyncio.Lock] = WeakValueDictionary()
        self._turns: WeakValueDictionary[str, asyncio.Lock] = WeakValueDictionary()
        self._waiting: dict[str, asyncio.Queue[str | None]] = {}
        self._running: set[asyncio.Task[None]] = set()

    async def _run(self, func: Callable[..., T], /, **kwargs: Any) -> T:
        return await to_thread.run_sync(lambda: func(**kwargs), limiter=self._threads)

    # -- clients ---------------------------------------------------------------------------

    async def conversation_for(self, channel: str, address: str) -> Conversation | None:
        """Return the open conversation at this address, if any (none is started here)."""
        return await self._run(find_conversation, uow=self.uow(), channel=channel, address=address)

    async def receive(self, inbound: Inbound, on_conversation: Follow | None = None) -> Receipt:
        """Take a client's message in; the agent's answer follows on the bus.

        `on_conversation` hears which conversation the message went to before anything is
        published about it (a channel that follows one conversation switches there).
        """
        # Per address, so messages are queued in the order they were recorded.
        async with self._lock(self._intake, f"{inbound.channel}:{inbound.address}"):
            intake = await self._run(
                take_in,
                uow=self.uow(),
                channel=inbound.channel,
                address=inbound.address,
                text=inbound.text,
                external_id=_client_id(inbound),
            )
            conversation = intake.conversation
            if on_conversation is not None:
                await on_conversation(conversation.id)
            if intake.entry is None:
                return Receipt(conversation.id, duplicate=True)
            if intake.for_agent:
                self._queue_turn(conversation.id, inbound.text)
        self.publish_entry(conversation.id, entry_json(intake.entry))
        try:
            await self._publish_summary(conversation.id)
        except Exception:
            # The message is taken and queued: a stale console list must not undo that.
            log.exception("could not publish conversation %s to the console", conversation.id)
        return Receipt(conversation.id, duplicate=False)

    def _queue_turn(self, conversation_id: str, text: str | None) -> None:
        """Queue a turn on a client's message, or (None) on what was left unanswered."""
        queue = self._waiting.get(conversation_id)
        if queue is None:
            queue = self._waiting[conversation_id] = asyncio.Queue()
            worker = asyncio.create_task(self._answer_in_turn(conversation_id, queue))
            self._running.add(worker)
            worker.add_done_callback(self._running.discard)
        queue.put_nowait(text)

    async def _answer_in_turn(self, conversation_id: str, queue: asyncio.Queue[str | None]) -> None:
        try:
            while not queue.empty():
                text = queue.get_nowait()
                async with self._lock(self._turns, conversation_id):
                    await self._turn(conversation_id, text)
        finally:
            # Nothing awaited since the queue was last seen empty: no message slips in between.
            # Should a turn ever raise, the next message still finds no stale worker.
            del self._waiting[conversation_id]

    async def history(self, conversation_id: str, *, with_tools: bool) -> list[dict[str, Any]]:
        await self._run(self._conversation, conversation_id=conversation_id)  # or NotFound
        authors = None if with_tools else SPOKEN
        entries = await self._run(
            transcript, uow=self.uow(), conversation_id=conversation_id, authors=authors
        )
        return [entry_json(e) for e in entries]

    async def drain(self) -> None:
        """Wait for the turns under way (on shutdown, and in tests)."""
        while self._running:
            await asyncio.gather(*list(self._running), return_exceptions=True)

    # -- the agent's turn ------------------------------------------------------------------

    async def _turn(self, conversation_id: str, text: str | None) -> None:
        topic = conversation_topic(conversation_id)
        loop = asyncio.get_running_loop()

        def delta(reply_id: str, piece: str) -> None:
            event = {"type": "delta", "reply_id": reply_id, "text": piece}
            loop.call_soon_threadsafe(self.bus.publish, topic, event)

        try:
            self.bus.publish(topic, {"type": "typing", "on": True})
            before = await self._run(self._conversation, conversation_id=conversation_id)
            if before.status in (ConversationStatus.HUMAN, ConversationStatus.CLOSED):
                return  # taken over while this message waited its turn: the person answers
            entries = await self._run(self._answer, conversation=before, text=text, delta=delta)
            for entry in entries:
                self.publish_entry(conversation_id, entry)
            await self._send_out(before, entries)
            after = await self._run(self._conversation, conversation_id=conversation_id)
            if after.status != before.status:
                await self._publish_status(after)
            await self._publish_summary(conversation_id)
        except Exception:
            log.exception("turn failed in conversation %s", conversation_id)
            try:
                await self._note(conversation_id, SORRY)
            except Exception:
                log.exception("could not tell conversation %s of the failure", conversation_id)
        finally:
            self.bus.publish(topic, {"type": "typing", "on": False})

    def _answer(
        self, *, conversation: Conversation, text: str | None, delta: Callable[[str, str], None]
    ) -> list[dict[str, Any]]:
        """Run the agent on one message (on a worker thread); return the recorded entries.

        With no `text` the agent answers what the client said while a person held the
        conversation and nobody answered — when there is such a thing; else it only listens.
        """
        meanwhile = unseen_by_agent(uow=self.uow(), conversation_id=conversation.id)
        asked: ConversationEntry | None = None
        if text is None:
            unanswered = left_unanswered(meanwhile)
            if unanswered:
                asked = unanswered[-1]
                text = asked.text
        if meanwhile:
            self.agent.catch_up(
                conversation_id=conversation.id,
                said=[
                    Said(e.author == EntryAuthor.CLIENT, e.text, (e.extra or {}).get("name"), e.id)
                    for e in meanwhile
                    if e is not asked and e.author in (EntryAuthor.CLIENT, EntryAuthor.STAFF)
                ],
            )
        seen = [e.id for e in meanwhile if e.id is not None]
        if text is None:
            mark_seen_by_agent(uow=self.uow(), entry_ids=seen)
            return []
        turn = self.agent.send(
            conversation_id=conversation.id,
            client_id=conversation.client_id,
            channel=conversation.channel,
            text=text,
            on_delta=delta,
            entry_id=asked.id if asked else None,
        )
        # The replies and the marks go together: a turn that fails leaves the messages unseen,
        # and the next turn puts them in the context again in their own places, not twice.
        entries = record_entries(
            uow=self.uow(),
            conversation_id=conversation.id,
            entries=[
                (said.author, said.text, said.extra) for said in turn_entries(turn, self.form_url)
            ],
            seen_by_agent=seen,
        )
        return [entry_json(entry) for entry in entries]

    def _conversation(self, *, conversation_id: str) -> Conversation:
        return get_conversation(uow=self.uow(), conversation_id=conversation_id)

    # -- people at the practice ------------------------------------------------------------

    async def take_over(self, *, staff_id: str, conversation_id: str) -> None:
        await self._staff_action(handoff.take_over, staff_id, conversation_id)

    async def hand_back(self, *, staff_id: str, conversation_id: str) -> None:
        """Give the conversation back; the agent answers what the client was left waiting on."""
        done = await self._staff_action(handoff.hand_back, staff_id, conversation_id)
        if done.note is not None:
            self._queue_turn(conversation_id, None)

    async def close(self, *, staff_id: str, conversation_id: str) -> None:
        await self._staff_action(handoff.close, staff_id, conversation_id)

    async def transfer(self, *, staff_id: str, conversation_id: str, to_staff_id: str) -> None:
        await self._staff_action(
            handoff.transfer, staff_id, conversation_id, to_staff_id=to_staff_id
        )

    async def staff_reply(
        self, *, staff_id: str, conversation_id: str, text: str, message_id: str | None
    ) -> None:
        entry = await self._run(
            handoff.staff_reply,
            uow=self.uow(),
            staff_id=staff_id,
            conversation_id=conversation_id,
            text=text,
            # Staff and client message ids live apart: neither can shadow the other's.
            external_id=f"staff:{message_id}" if message_id else None,
        )
        self.publish_entry(conversation_id, entry_json(entry))
        await self._send_out(conversation_id, [entry_json(entry)])
        await self._publish_summary(conversation_id)

    async def _staff_action(
        self,
        action: Callable[..., handoff.Handoff],
        staff_id: str,
        conversation_id: str,
        **more: str,
    ) -> handoff.Handoff:
        # A turn under way finishes first, so the agent is not speaking when the person starts.
        async with self._lock(self._turns, conversation_id):
            done = await self._run(
                action, uow=self.uow(), staff_id=staff_id, conversation_id=conversation_id, **more
            )
        if done.note is not None:
            self.publish_entry(conversation_id, entry_json(done.note))
            await self._send_out(done.conversation, [entry_json(done.note)])
            await self._publish_status(done.conversation)
        await self._publish_summary(conversation_id)
        return done

    # -- what the console sees -------------------------------------------------------------

    async def summaries(self, staff: StaffUser, limit: int = 100) -> list[dict[str, Any]]:
        """The console's list for this staff member: the conversations they may see."""
        return await self._run(self._summaries, limit=limit, viewer=staff)

    async def staff_history(self, staff: StaffUser, conversation_id: str) -> list[dict[str, Any]]:
        """A transcript opened in the console, tool calls included; the read is audited."""
        entries = await self._run(
            read_transcript,
            uow=self.uow(),
            staff=staff,
            conversation_id=conversation_id,
            channel="console",
        )
        return [entry_json(e) for e in entries]

    async def may_see(self, staff: StaffUser, conversation_id: str) -> bool:
        """Whether this staff member may see the conversation (and hear of it live)."""
        return await self._run(self._may_see, staff=staff, conversation_id=conversation_id)

    def _may_see(self, *, staff: StaffUser, conversation_id: str) -> bool:
        with self.uow().reading() as reader:
            return may_see(reader, staff, conversation_id)

    def _summaries(
        self,
        *,
        limit: int,
        conversation_id: str | None = None,
        viewer: StaffUser | None = None,
    ) -> list[dict[str, Any]]:
        if conversation_id is None:
            # Waiting ones first and all of them: a busy chat list must not bury them.
            waiting, _ = page_conversations(
                uow=self.uow(),
                viewer=viewer,
                statuses=[ConversationStatus.WAITING_FOR_HUMAN],
                limit=500,
            )
            recent, _ = page_conversations(uow=self.uow(), viewer=viewer, limit=limit)
            listed = {c.id for c in waiting}
            conversations = waiting + [c for c in recent if c.id not in listed]
        else:
            conversations = [self._conversation(conversation_id=conversation_id)]
        clients = client_names(
            uow=self.uow(), client_ids={c.client_id for c in conversations if c.client_id}
        )
        holders = staff_names(
            uow=self.uow(), staff_ids={c.held_by for c in conversations if c.held_by}
        )
        return [
            summary_json(
                conversation,
                client_name=clients.get(conversation.client_id or ""),
                holder=(
                    {"id": conversation.held_by, "name": holders[conversation.held_by]}
                    if conversation.held_by in holders
                    else None
                ),
            )
            for conversation in conversations
        ]

    async def _publish_summary(self, conversation_id: str) -> None:
        [summary] = await self._run(self._summaries, limit=1, conversation_id=conversation_id)
        self.bus.publish(CONSOLE, {"type": "conversation", "conversation": summary})

    async def _publish_status(self, conversation: Conversation) -> None:
        staff = await self._run(handoff.holder_name, uow=self.uow(), conversation=conversation)
        event = {
            "type": "status",
            "conversation_id": conversation.id,
            "status": conversation.status,
            "staff": staff,
        }
        self.bus.publish(conversation_topic(conversation.id), event)

    def publish_entry(self, conversation_id: str, entry: dict[str, Any]) -> None:
        """Show a transcript entry to every socket following the conversation."""
        event = {"type": "entry", "conversation_id": conversation_id, "entry": entry}
        self.bus.publish(conversation_topic(conversation_id), event)

    async def _note(self, conversation_id: str, text: str) -> None:
        entry = await self._run(
            record_entry,
            uow=self.uow(),
            conversation_id=conversation_id,
            author=EntryAuthor.SYSTEM,
            text=text,
        )
        if entry is not None:
            self.publish_entry(conversation_id, entry_json(entry))
            await self._send_out(conversation_id, [entry_json(entry)])

    async def _send_out(
        self, conversation: Conversation | str, entries: list[dict[str, Any]]
    ) -> None:
        """Send what the client is told to their channel, when it is one we send to."""
        if not self.outlets:
            return
        if isinstance(conversation, str):
            conversation = await self._run(self._conversation, conversation_id=conversation)
        outlet = self.outlets.get(conversation.channel)
        if outlet is None:
            return
        for entry in entries:
            if entry["author"] in SPOKEN_TO_CLIENT:
                try:
                    await outlet.deliver(conversation, entry)
                except Exception:
                    log.exception("could not send to conversation %s", conversation.id)

    @staticmethod
    def _lock(locks: WeakValueDictionary[str, asyncio.Lock], conversation_id: str) -> asyncio.Lock:
        lock = locks.get(conversation_id)
        if lock is None:
            lock = locks[conversation_id] = asyncio.Lock()
        return lock


def _client_id(inbound: Inbound) -> str | None:
    return f"{inbound.channel}:{inbound.message_id}" if inbound.message_id else None
