"""The agent's turns, queued in the database and run one at a time per conversation.

Any app process may take a client's message in; the process holding the conversation's lease
runs its queued turns in arrival order. A lease, not a PostgreSQL advisory lock, because an
advisory lock lives on a connection: a turn waits seconds on the model, and holding a pooled
connection for each of hundreds of turns under way would exhaust the pool and the server. A
lease is a row renewed while its holder lives; when a process dies, its leases expire and
another process runs what was queued.

A turn is deleted from the queue after its replies are recorded: a process that dies between
the two has its turn run again elsewhere (at least once, never lost); the message keeps its
place in the agent's context by its entry id, so it is not said twice there.

Times here are the wall clock the caller passes (`now`), never a frozen demo clock: leases
must expire in real time.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, exists, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from domain.conversations.access import NOT_FOUND
from domain.kernel.errors import NotFound
from domain.kernel.uow import UnitOfWork
from domain.models import Conversation, ConversationEntry, ConversationLease, QueuedTurn


def queue_turn(uow: UnitOfWork, *, conversation_id: str, entry_id: int | None) -> None:
    """Queue a turn inside the caller's transaction (with the message it answers)."""
    uow.session.add(
        QueuedTurn(conversation_id=conversation_id, entry_id=entry_id, queued_at=uow.now())
    )


def queue_turn_alone(*, uow: UnitOfWork, conversation_id: str, entry_id: int | None) -> None:
    """Queue a turn in a transaction of its own."""
    with uow:
        queue_turn(uow, conversation_id=conversation_id, entry_id=entry_id)
        uow.commit()


def claim(
    *, uow: UnitOfWork, conversation_id: str, holder: str, now: datetime, lease: timedelta
) -> bool:
    """Take (or renew) the conversation's lease unless another holder's is still running.

    Raises NotFound for a conversation that does not exist (its lease could never be taken).
    """
    try:
        with uow:
            current = uow.session.exec(
                select(ConversationLease)
                .where(ConversationLease.conversation_id == conversation_id)
                .with_for_update()
            ).first()
            if current is None:
                uow.session.add(
                    ConversationLease(
                        conversation_id=conversation_id, holder=holder, expires_at=now + lease
                    )
                )
            elif current.holder == holder or current.expires_at <= now:
                current.holder, current.expires_at = holder, now + lease
            else:
                return False
            uow.commit()
            return True
    except IntegrityError:
        with uow.reading() as reader:
            if reader.session.get(Conversation, conversation_id) is None:
                raise NotFound(NOT_FOUND) from None
        return False  # another process inserted the first lease at the same moment


def renew(
    *, uow: UnitOfWork, holders: list[str], conversation_ids: list[str], until: datetime
) -> None:
    """Extend the leases these holders still have on these conversations."""
    if not holders:
        return
    with uow:
        uow.session.execute(
            update(ConversationLease)
            .where(
                col(ConversationLease.conversation_id).in_(conversation_ids),
                col(ConversationLease.holder).in_(holders),
            )
            .values(expires_at=until)
        )
        uow.commit()


def release(*, uow: UnitOfWork, conversation_id: str, holder: str) -> None:
    """Give the lease up (only this holder's)."""
    with uow:
        uow.session.execute(
            delete(ConversationLease).where(
                col(ConversationLease.conversation_id) == conversation_id,
                col(ConversationLease.holder) == holder,
            )
        )
        uow.commit()


def next_turn(*, uow: UnitOfWork, conversation_id: str) -> QueuedTurn | None:
    """The oldest turn queued for the conversation."""
    with uow.reading() as reader:
        return reader.session.exec(
            select(QueuedTurn)
            .where(QueuedTurn.conversation_id == conversation_id)
            .order_by(col(QueuedTurn.id))
            .limit(1)
        ).first()


def turn_done(*, uow: UnitOfWork, turn_id: int) -> None:
    with uow:
        uow.session.execute(delete(QueuedTurn).where(col(QueuedTurn.id) == turn_id))
        uow.commit()


def message_of(*, uow: UnitOfWork, turn: QueuedTurn) -> str | None:
    """The client's words the turn answers (None for a turn after a hand-back)."""
    if turn.entry_id is None:
        return None
    with uow.reading() as reader:
        entry = reader.session.get(ConversationEntry, turn.entry_id)
        return entry.text if entry is not None else None


def unattended(*, uow: UnitOfWork, now: datetime, limit: int = 100) -> list[str]:
    """Conversations with queued turns and no running lease: their process died, or none took
    them yet."""
    running = exists().where(
        col(ConversationLease.conversation_id) == col(QueuedTurn.conversation_id),
        col(ConversationLease.expires_at) > now,
    )
    with uow.reading() as reader:
        return list(
            reader.session.exec(
                select(QueuedTurn.conversation_id).where(~running).distinct().limit(limit)
            )
        )
