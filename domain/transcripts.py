"""Conversation transcripts: what was said, by whom, once — and where a conversation lives."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from domain.models import (
    ChannelIdentity,
    Conversation,
    ConversationEntry,
    ConversationStatus,
    EntryAuthor,
)
from domain.uow import UnitOfWork

PREVIEW_LENGTH = 200
# Entries that are part of the conversation itself, not the console's view of the machinery.
SPOKEN = (EntryAuthor.CLIENT, EntryAuthor.AGENT, EntryAuthor.STAFF, EntryAuthor.SYSTEM)


def conversation_at(
    *, uow: UnitOfWork, channel: str, address: str, conversation_id: str | None = None
) -> Conversation:
    """Return the open conversation at this channel address, starting one when there is none.

    A new conversation starts out linked to the client who owns the address, if any.
    """
    with uow:
        query = select(Conversation).where(
            Conversation.channel == channel,
            Conversation.address == address,
            Conversation.status != ConversationStatus.CLOSED,
        )
        found = uow.session.exec(query.order_by(col(Conversation.created_at).desc())).first()
        if found is not None:
            return found
        identity = uow.session.get(ChannelIdentity, (channel, address))
        now = uow.now()
        kwargs: dict[str, Any] = {"id": conversation_id} if conversation_id else {}
        conversation = Conversation(
            channel=channel,
            address=address,
            client_id=identity.client_id if identity else None,
            created_at=now,
            updated_at=now,
            **kwargs,
        )
        uow.session.add(conversation)
        uow.commit()
        return conversation


def record_entry(
    *,
    uow: UnitOfWork,
    conversation_id: str,
    author: EntryAuthor,
    text: str,
    extra: dict[str, Any] | None = None,
    external_id: str | None = None,
    staff_id: str | None = None,
    seen_by_agent: bool = True,
) -> ConversationEntry | None:
    """Append an entry; return None when an entry with this external id is already there."""
    with uow:
        conversation = uow.session.get_one(Conversation, conversation_id)
        entry = ConversationEntry(
            conversation_id=conversation_id,
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
        try:
            uow.commit()
        except IntegrityError:
            # Only the (conversation, external id) uniqueness can fail here: a retried message.
            return None
        return entry


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
    """Take the entries said while a person held the conversation, marking them seen."""
    with uow:
        found = list(
            uow.session.exec(
                select(ConversationEntry)
                .where(
                    ConversationEntry.conversation_id == conversation_id,
                    col(ConversationEntry.seen_by_agent).is_(False),
                )
                .order_by(col(ConversationEntry.id))
            )
        )
        for entry in found:
            entry.seen_by_agent = True
        uow.commit()
        return found


def list_conversations(
    *, uow: UnitOfWork, statuses: Sequence[str] | None = None, limit: int = 100
) -> list[Conversation]:
    """Return conversations, most recently active first."""
    with uow.reading() as reader:
        query = select(Conversation)
        if statuses:
            query = query.where(col(Conversation.status).in_(list(statuses)))
        found = reader.session.exec(
            query.order_by(col(Conversation.updated_at).desc()).limit(limit)
        )
        return list(found)
