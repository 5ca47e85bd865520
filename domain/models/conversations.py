"""Conversations: who is talking on which channel, and who answers (the agent or a person)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel

from domain.models.clients import new_id
from domain.models.types import utc_column


class ConversationStatus(StrEnum):
    BOT = "bot"
    WAITING_FOR_HUMAN = "waiting_for_human"
    HUMAN = "human"
    CLOSED = "closed"


class Conversation(SQLModel, table=True):
    __tablename__ = "conversations"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=64)
    client_id: str | None = Field(default=None, foreign_key="clients.id", index=True)
    channel: str = Field(max_length=16)
    status: str = Field(default=ConversationStatus.BOT, max_length=24, index=True)
    handoff_reason: str = ""
    created_at: datetime = Field(sa_column=utc_column())
    updated_at: datetime = Field(sa_column=utc_column())


class TurnUsage(SQLModel, table=True):
    """Tokens one model call spent in a conversation (OpenAI-compatible models report them)."""

    __tablename__ = "turn_usage"

    id: int | None = Field(default=None, primary_key=True)
    conversation_id: str = Field(foreign_key="conversations.id", index=True)
    at: datetime = Field(sa_column=utc_column())
    model: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
