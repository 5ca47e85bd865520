"""Turns waiting for the agent, and which process is running a conversation's turns now.

Both live in the database so that several app processes share them: a message taken in by
one process may be answered by another, and never by two at once.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from domain.models.types import utc_column


class QueuedTurn(SQLModel, table=True):
    """A turn the agent owes a conversation, answered in `id` order and then deleted."""

    __tablename__ = "queued_turns"

    id: int | None = Field(default=None, primary_key=True)
    conversation_id: str = Field(foreign_key="conversations.id", index=True, max_length=64)
    # The client's message to answer; None: answer what was left unanswered while a person
    # held the conversation (after a hand-back). The text stays in the (sealed) transcript.
    entry_id: int | None = Field(default=None, foreign_key="conversation_entries.id")
    queued_at: datetime = Field(sa_column=utc_column())


class ConversationLease(SQLModel, table=True):
    """The process that runs a conversation's turns until `expires_at`, renewed while it does.

    A process that dies stops renewing; once the lease has expired another one takes it over.
    """

    __tablename__ = "conversation_leases"

    conversation_id: str = Field(foreign_key="conversations.id", primary_key=True, max_length=64)
    holder: str = Field(max_length=64)
    expires_at: datetime = Field(sa_column=utc_column(index=True))
