"""Conversation transcripts: what was said, by whom, once — and where a conversation lives."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from domain.conversations.access import NOT_FOUND, may_see
from domain.conversations.turn_queue import queue_turn
from domain.kernel.actors import Actor
from domain.kernel.errors import NotFound
from domain.kernel.journal import audit
from domain.kernel.uow import UnitOfWork
from domain.models import (
    Conversation,
    ConversationEntry,
    ConversationStatus,
    EntryAuthor,
    StaffUser,
    find_identity,
)

PREVIEW_LENGTH = 200
ATTEMPTS = 3
# Entries that are part of the conversation itself, not the console's view of the machinery.
SPOKEN = (EntryAuthor.CLIENT, EntryAuthor.AGENT, EntryAuthor.STAFF, EntryAuthor.SYSTEM)


@dataclass(frozen=True)
class Intake:
    """A client's message taken in: where it went, and whether the agent should answer it."""

    conversation: Conversation
    entry: ConversationEntry | None  # None: a message with this id was taken in before

    @property
    def for_agent(self) -> bool:
        return self.entry is not None and self.entry.seen_by_agent


def find_conversation(*, uow: UnitOfWork, channel: str, address: str) -> Conversation | None:
    """Return the open conversation at this channel address, if there is one."""
    with uow.reading() as reader:
        return _open_at(reader, channel, address)


@dataclass(frozen=True)
class Choice:
    label: str
    value: str  # what the client "says" by choosing it


def open_choices(
    *, uow: UnitOfWork, channel: str, address: str, entry_id: int | None = None
) -> list[Choice]:
    """The choices a client at this address may still pick, in the order offered.

    They are the buttons of the last thing said in the open conversation there — of entry
    `entry_id` only when that is it: once anything is said after them, they are stale, as in
    the web chat. Another address's entries are never found.
    """
    with uow.reading() as reader:
        conversation = _open_at(reader, channel, address)
        if conversation is None:
            return []
        last = reader.session.exec(
            select(ConversationEntry)
            .where(
                ConversationEntry.conversation_id == conversation.id,
                col(ConversationEntry.author).in_(list(SPOKEN)),
            )
            .order_by(col(ConversationEntry.id).desc())
            .limit(1)
        ).first()
        if last is None or (entry_id is not None and last.id != entry_id):
            return []
        buttons = (last.extra or {}).get("buttons") or []
        return [Choice(str(b["label"]), str(b["value"])) for b in buttons]


def take_in(
    *, uow: UnitOfWork, channel: str, address: str, text: str, external_id: str | None
) -> Intake:
    """Record a client's message in the open conversation at its address, in one transaction.

    The conversation row is locked while its status is read and the message written, so a
    message arriving as a person takes over, hands back or closes lands on the right side.
    """
    for _ in range(ATTEMPTS):
        try:
            with uow:
                conversation = _open_at(uow, channel, address, lock=True) or _start(
                    uow, channel, address
                )
                seen = external_id is not None and entry_by_external_id(
                    uow, conversation.id, external_id
                )
                if seen:
                    return Intake(conversation, None)
                entry = append_entry(
                    uow,
                    conversation,
                    EntryAuthor.CLIENT,
                    text,
                    external_id=external_id,
                    seen_by_agent=conversation.status != ConversationStatus.HUMAN,
                )
                if entry.seen_by_agent:  # queued with the message: taken in means answered
                    queue_turn(uow, conversation_id=conversation.id, entry_id=entry.id)
                uow.commit()
                return Intake(conversation, entry)
        except IntegrityError:
            continue  # a racing first message started the conversation, or had the same id
    raise RuntimeError(f"could not take a message in at {channel} {address!r}")


def record_entry(
    *,
    uow: UnitOfWork,
    conversation_id: str,
    author: EntryAuthor,
    text: str,
    extra: dict[str, Any] | None = None,
) -> ConversationEntry:
    """Append one entry to a conversation's transcript."""
    return record_entries(
        uow=uow, conversation_id=conversation_id, entries=[(author, text, extra or {})]
    )[0]


def record_entries(
    *,
    uow: UnitOfWork,
    conversation_id: str,
    entries: Sequence[tuple[EntryAuthor, str, dict[str, Any]]],
    seen_by_agent: Sequence[int] = (),
) -> list[ConversationEntry]:
    """Append a turn's entries together: all of them or, on a crash, none.

    `seen_by_agent` names the entries the turn took into the agent's context; they are marked
    in the same transaction, so a turn that fails leaves them for the next one.
    """
    with uow:
        conversation = uow.session.get_one(Conversation, conversation_id)
        made = [append_entry(uow, conversation, a, text, extra=extra) for a, text, extra in entries]
        _mark_seen(uow, seen_by_agent)
        uow.commit()
        return made


def transcript(
    *,
    uow: UnitOfWork,
    conversation_id: str,
    authors: Sequence[EntryAuthor] | None = None,
    limit: int = 500,
) -> list[ConversationEntry]:
    """Return the latest `limit` entries of a conversation, oldest first."""
    with uow.reading() as reader:
        query = select(ConversationEntry).where(
            ConversationEntry.conversation_id == conversation_id
        )
        if authors is not None:
            query = query.where(col(ConversationEntry.author).in_(list(authors)))
        latest = reader.session.exec(
            query.order_by(col(ConversationEntry.id).desc()).limit(limit)
        ).all()
        return list(reversed(latest))


def unseen_by_agent(*, uow: UnitOfWork, conversation_id: str) -> list[ConversationEntry]:
    """Return the entries said while a person held the conversation, oldest first."""
    with uow.reading() as reader:
        return list(
            reader.session.exec(
                select(ConversationEntry)
                .where(
                    ConversationEntry.conversation_id == conversation_id,
                    col(ConversationEntry.seen_by_agent).is_(False),
                )
                .order_by(col(ConversationEntry.id))
            )
        )


def mark_seen_by_agent(*, uow: UnitOfWork, entry_ids: Sequence[int]) -> None:
    """Note that the agent has these entries in its context now."""
    with uow:
        _mark_seen(uow, entry_ids)
        uow.commit()


def left_unanswered(entries: Sequence[ConversationEntry]) -> list[ConversationEntry]:
    """Return the client's messages after the last thing a person at the practice said.

    Of what was said while a person held the conversation, these are what nobody answered.
    """
    unanswered: list[ConversationEntry] = []
    for entry in entries:
        if entry.author == EntryAuthor.STAFF:
            unanswered = []
        elif entry.author == EntryAuthor.CLIENT:
            unanswered.append(entry)
    return unanswered


def _mark_seen(uow: UnitOfWork, entry_ids: Sequence[int]) -> None:
    for entry_id in entry_ids:
        uow.session.get_one(ConversationEntry, entry_id).seen_by_agent = True


def _open_at(
    uow: UnitOfWork, channel: str, address: str, *, lock: bool = False
) -> Conversation | None:
    query = select(Conversation).where(
        Conversation.channel == channel,
        Conversation.address == address,
        Conversation.status != ConversationStatus.CLOSED,
    )
    if lock:
        query = query.with_for_update()
    return uow.session.exec(query).first()


def _start(uow: UnitOfWork, channel: str, address: str) -> Conversation:
    """Start a conversation, linked to the client who owns the address if any."""
    identity = find_identity(uow.session, channel, address)
    now = uow.now()
    conversation = Conversation(
        channel=channel,
        address=address,
        client_id=identity.client_id if identity else None,
        created_at=now,
        updated_at=now,
    )
    uow.session.add(conversation)
    uow.session.flush()
    return conversation


def entry_by_external_id(
    uow: UnitOfWork, conversation_id: str, external_id: str
) -> ConversationEntry | None:
    """Return the entry a channel (or the console) sent under this id, if it came before."""
    return uow.session.exec(
        select(ConversationEntry).where(
            ConversationEntry.conversation_id == conversation_id,
            ConversationEntry.external_id == external_id,
        )
    ).first()


def append_entry(
    uow: UnitOfWork,
    conversation: Conversation,
    author: EntryAuthor,
    text: str,
    *,
    extra: dict[str, Any] | None = None,
    external_id: str | None = None,
    staff_id: str | None = None,
    seen_by_agent: bool = True,
) -> ConversationEntry:
    """Add an entry inside the caller's transaction; what is said updates the preview."""
    entry = ConversationEntry(
        conversation_id=conversation.id,
        at=uow.now(),
        author=author,
        text=text,
        extra=extra or {},
        external_id=external_id,
        staff_id=staff_id,
        seen_by_agent=seen_by_agent,
    )
    uow.session.add(entry)
    if author in (EntryAuthor.CLIENT, EntryAuthor.AGENT, EntryAuthor.STAFF):
        conversation.last_message = text[:PREVIEW_LENGTH]
        conversation.updated_at = entry.at
    uow.session.flush()
    return entry


def read_transcript(
    *, uow: UnitOfWork, staff: StaffUser, conversation_id: str, channel: str, limit: int = 500
) -> list[ConversationEntry]:
    """A staff member who may see the conversation reads its transcript; the read is audited.

    `channel` says where it was read: "api" (REST) or "console" (opening it in the console).
    """
    with uow:
        if not may_see(uow, staff, conversation_id):
            raise NotFound(NOT_FOUND)
        audit(
            uow,
            actor=Actor(kind="staff", id=staff.id, channel=channel),
            action="conversation.transcript_read",
            subject_type="conversation",
            subject_id=conversation_id,
        )
        uow.commit()
    return transcript(uow=uow, conversation_id=conversation_id, limit=limit)


def find_entry(*, uow: UnitOfWork, entry_id: int) -> ConversationEntry | None:
    """Return one transcript entry by its id (a live event from another process names it)."""
    with uow.reading() as reader:
        return reader.session.get(ConversationEntry, entry_id)
