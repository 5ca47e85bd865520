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
from channels.relay import NoRelay, Relay
from channels.turns import TurnRunner
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
from domain.conversations.turn_queue import queue_turn_alone
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
        max_turns: int = 200,
        lease_seconds: float = 15.0,
        outlets: Mapping[str, Outlet] | None = None,
        relay: Relay | None = None,
    ) -> None:
        self.agent = agent
        self.uow = uow
        self.bus = bus
        self.form_url = form_url
        # Channels whose clients are reached by sending (Telegram, SMS), by channel name.
        self.outlets: dict[str, Outlet] = dict(outlets or {})
        # Other processes hear of what happens here through the relay (PostgreSQL NOTIFY).
        self.relay: Relay = relay or NoRelay()
        # The agent's turns under way in this process, at most this many at once.
        self._turn_slots = CapacityLimiter(max_turns)
        # Per address, so one client's messages are queued in the order they were recorded.
        self._intake: WeakValueDictionary[str, asyncio.Lock] = WeakValueDictionary()
        self.turns = TurnRunner(uow=uow, run_turn=self._turn, lease_seconds=lease_seconds)

    async def start(self) -> None:
        """Start running queued turns (and those other processes left when they died)."""
        await self.turns.start()

    async def stop(self) -> None:
        """Finish the turns under way, then stop."""
        await self.turns.stop()

    async def _run(self, func: Callable[..., T], /, **kwargs: Any) -> T:
        return await to_thread.run_sync(lambda: func(**kwargs))

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
            if intake.for_agent:  # queued with the message; run here unless running elsewhere
                self.turns.kick(conversation.id)
        self.publish_entry(conversation.id, entry_json(intake.entry))
        try:
            await self.publish_summary(conversation.id)
        except Exception:
            # The message is taken and queued: a stale console list must not undo that.
            log.exception("could not publish conversation %s to the console", conversation.id)
        return Receipt(conversation.id, duplicate=False)

    async def history(self, conversation_id: str, *, with_tools: bool) -> list[dict[str, Any]]:
        await self._run(self._conversation, conversation_id=conversation_id)  # or NotFound
        authors = None if with_tools else SPOKEN
        entries = await self._run(
            transcript, uow=self.uow(), conversation_id=conversation_id, authors=authors
        )
        return [entry_json(e) for e in entries]

    async def drain(self) -> None:
        """Wait for the turns under way (on shutdown, and in tests)."""
        await self.turns.drain()

    # -- the agent's turn ------------------------------------------------------------------

    async def _turn(self, conversation_id: str, text: str | None, entry_id: int | None) -> None:
        topic = conversation_topic(conversation_id)
        loop = asyncio.get_running_loop()

        def delta(reply_id: str, piece: str) -> None:
            # Pieces are text: they stay in this process (the finished entry goes everywhere).
            event = {"type": "delta", "reply_id": reply_id, "text": piece}
            loop.call_soon_threadsafe(self.bus.publish, topic, event)

        try:
            self.publish_typing(conversation_id, on=True)
            before = await self._run(self._conversation, conversation_id=conversation_id)
            if before.status in (ConversationStatus.HUMAN, ConversationStatus.CLOSED):
                return  # taken over while this message waited its turn: the person answers
            entries = await to_thread.run_sync(
                lambda: self._answer(
                    conversation=before, text=text, entry_id=entry_id, delta=delta
                ),
                limiter=self._turn_slots,
            )
            for entry in entries:
                self.publish_entry(conversation_id, entry)
            await self._send_out(before, entries)
            after = await self._run(self._conversation, conversation_id=conversation_id)
            if after.status != before.status:
                await self.publish_status(after)
            await self.publish_summary(conversation_id)
        except Exception:
            log.exception("turn failed in conversation %s", conversation_id)
            try:
                await self._note(conversation_id, SORRY)
            except Exception:
                log.exception("could not tell conversation %s of the failure", conversation_id)
        finally:
            self.publish_typing(conversation_id, on=False)

    def _answer(
        self,
        *,
        conversation: Conversation,
        text: str | None,
        entry_id: int | None,
        delta: Callable[[str, str], None],
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
            # A turn run again (its process died) replaces the message instead of repeating it.
            entry_id=asked.id if asked else entry_id,
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
            await self._run(
                queue_turn_alone, uow=self.uow(), conversation_id=conversation_id, entry_id=None
            )
            self.turns.kick(conversation_id)

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
        await self.publish_summary(conversation_id)

    async def _staff_action(
        self,
        action: Callable[..., handoff.Handoff],
        staff_id: str,
        conversation_id: str,
        **more: str,
    ) -> handoff.Handoff:
        # A turn under way (in any process) finishes first, so the agent is not speaking when
        # the person starts.
        async with self.turns.holding(conversation_id):
            done = await self._run(
                action, uow=self.uow(), staff_id=staff_id, conversation_id=conversation_id, **more
            )
        if done.note is not None:
            self.publish_entry(conversation_id, entry_json(done.note))
            await self._send_out(done.conversation, [entry_json(done.note)])
            await self.publish_status(done.conversation)
        await self.publish_summary(conversation_id)
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

    async def publish_summary(self, conversation_id: str, *, announce: bool = True) -> None:
        [summary] = await self._run(self._summaries, limit=1, conversation_id=conversation_id)
        self.bus.publish(CONSOLE, {"type": "conversation", "conversation": summary})
        if announce:
            self.relay.send("summary", c=conversation_id)

    async def publish_status(self, conversation: Conversation, *, announce: bool = True) -> None:
        if announce:
            self.relay.send("status", c=conversation.id)
        staff = await self._run(handoff.holder_name, uow=self.uow(), conversation=conversation)
        event = {
            "type": "status",
            "conversation_id": conversation.id,
            "status": conversation.status,
            "staff": staff,
        }
        self.bus.publish(conversation_topic(conversation.id), event)

    def publish_entry(
        self, conversation_id: str, entry: dict[str, Any], *, announce: bool = True
    ) -> None:
        """Show a transcript entry to every socket following the conversation."""
        event = {"type": "entry", "conversation_id": conversation_id, "entry": entry}
        self.bus.publish(conversation_topic(conversation_id), event)
        if announce:
            self.relay.send("entry", c=conversation_id, e=entry["entry_id"])

    def publish_typing(self, conversation_id: str, *, on: bool, announce: bool = True) -> None:
        self.bus.publish(conversation_topic(conversation_id), {"type": "typing", "on": on})
        if announce:
            self.relay.send("typing", c=conversation_id, on=on)

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
