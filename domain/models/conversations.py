"""Conversations: who is talking on which channel, and who answers (the agent or a person)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from domain.models.clients import new_id
from domain.models.sealed import index_column, sealed_column, watch_sealed_rows
from domain.models.types import utc_column

OPEN_AT_ADDRESS = "status <> 'closed' AND address_index IS NOT NULL"


class ConversationStatus(StrEnum):
    BOT = "bot"
    WAITING_FOR_HUMAN = "waiting_for_human"
    HUMAN = "human"
    CLOSED = "closed"


@watch_sealed_rows
class Conversation(SQLModel, table=True):
    __tablename__ = "conversations"
    __table_args__ = (
        # One open conversation per channel address, even when two messages race to start it.
        Index(
            "uq_conversations_open_address",
            "channel",
            "address_index",
            unique=True,
            postgresql_where=text(OPEN_AT_ADDRESS),
            sqlite_where=text(OPEN_AT_ADDRESS),
        ),
    )

    id: str = Field(default_factory=new_id, primary_key=True, max_length=64)
    client_id: str | None = Field(default=None, foreign_key="clients.id", index=True)
    channel: str = Field(max_length=16)
    # Where the client is on that channel (a web session's hash, a Telegram chat, a phone):
    # sealed at rest, found by its blind index (none for an empty address).
    address: str = Field(
        default="",
        sa_column=sealed_column(
            "conversations.address", indexed_by="address_index", nullable=False
        ),
    )
    address_index: str | None = Field(default=None, sa_column=index_column(indexed=False))
    status: str = Field(default=ConversationStatus.BOT, max_length=24, index=True)
    handoff_reason: str = ""
    # The staff member who has taken it over (status human), or who it was transferred to.
    held_by: str | None = Field(default=None, foreign_key="staff_users.id")
    last_message: str = Field(default="", sa_column=sealed_column("conversations.last_message"))
    # The language this conversation is held in: asked for, recognised, or the channel's hint.
    language: str | None = Field(default=None, max_length=8)
    created_at: datetime = Field(sa_column=utc_column())
    updated_at: datetime = Field(sa_column=utc_column())


class EntryAuthor(StrEnum):
    CLIENT = "client"
    AGENT = "agent"
    STAFF = "staff"
    SYSTEM = "system"
    TOOL = "tool"


@watch_sealed_rows
class ConversationEntry(SQLModel, table=True):
    """One line of a conversation's transcript, as people and the console see it."""

    __tablename__ = "conversation_entries"
    __table_args__ = (
        # A retried delivery of one inbound message (same id) is stored, and answered, once.
        UniqueConstraint("conversation_id", "external_id", name="uq_entry_external_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    conversation_id: str = Field(foreign_key="conversations.id", index=True, max_length=64)
    at: datetime = Field(sa_column=utc_column())
    author: str = Field(max_length=16)
    staff_id: str | None = Field(default=None, foreign_key="staff_users.id")
    # Sealed, bound to the conversation (the entry's own id is not known before it is written).
    text: str = Field(
        default="",
        sa_column=sealed_column("conversation_entries.text", row="conversation_id"),
    )
    # Buttons, a booking card or a tool call's name, arguments and result.
    extra: dict[str, Any] = Field(
        default_factory=dict,
        sa_column=sealed_column("conversation_entries.extra", row="conversation_id", codec="json"),
    )
    external_id: str | None = Field(default=None, max_length=128)
    # Set once the agent has the entry in its context (messages said while a person held it).
    seen_by_agent: bool = True


@watch_sealed_rows
class VerificationCode(SQLModel, table=True):
    """A one-time code sent to a client's phone or email to prove a claimed identity."""

    __tablename__ = "verification_codes"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=64)
    conversation_id: str = Field(foreign_key="conversations.id", index=True, max_length=64)
    client_id: str = Field(foreign_key="clients.id")
    code_hash: str = Field(max_length=128)
    # The contact typed, sealed at rest; counted per contact by its blind index.
    sent_to: str = Field(
        sa_column=sealed_column(
            "verification_codes.sent_to", indexed_by="sent_to_index", nullable=False
        )
    )
    sent_to_index: str | None = Field(default=None, sa_column=index_column())
    created_at: datetime = Field(sa_column=utc_column())
    expires_at: datetime = Field(sa_column=utc_column())
    attempts_left: int
    used_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))


class TurnUsage(SQLModel, table=True):
    """Tokens one model call spent in a conversation (OpenAI-compatible models report them)."""

    __tablename__ = "turn_usage"

    id: int | None = Field(default=None, primary_key=True)
    conversation_id: str = Field(foreign_key="conversations.id", index=True)
    at: datetime = Field(sa_column=utc_column())
    model: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
