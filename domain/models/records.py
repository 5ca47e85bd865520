"""Records kept beside every change: audit events, the outbox and idempotency keys."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column
from sqlmodel import Field, SQLModel

from domain.models.sealed import KeyedDigest
from domain.models.types import json_column, utc_column


class AuditEvent(SQLModel, table=True):
    __tablename__ = "audit_events"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_column=utc_column(index=True))
    actor_kind: str = Field(max_length=16)
    actor_id: str | None = None
    action: str = Field(max_length=64, index=True)
    subject_type: str = Field(max_length=32)
    subject_id: str = Field(index=True)
    channel: str = Field(default="api", max_length=16)
    details: dict[str, Any] = Field(default_factory=dict, sa_column=json_column())


class OutboxMessage(SQLModel, table=True):
    """A notification to deliver, written in the same transaction as the change causing it."""

    __tablename__ = "outbox"

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(sa_column=utc_column())
    event: str = Field(max_length=64)
    subject_id: str
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=json_column())
    status: str = Field(default="pending", max_length=16, index=True)
    attempts: int = 0
    # Set where one event must be enqueued once at most (a reminder: booking, hours, start).
    dedupe_key: str | None = Field(default=None, max_length=255, unique=True)


class IdempotencyKey(SQLModel, table=True):
    """The result of a creating command, so the same key never creates twice."""

    __tablename__ = "idempotency_keys"

    # Kept as its keyed digest: a key may name a phone number (identify:<conversation>:<phone>).
    key: str = Field(sa_column=Column(KeyedDigest(), primary_key=True))
    command: str = Field(max_length=64)
    fingerprint: str = Field(max_length=64)
    resource_id: str
    created_at: datetime = Field(sa_column=utc_column())
