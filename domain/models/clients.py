"""Clients, their profile fields and the channel identities that lead to them."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlmodel import Field, SQLModel

from domain.models.types import json_column, utc_column


def new_id() -> str:
    return uuid.uuid4().hex


class Client(SQLModel, table=True):
    __tablename__ = "clients"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=64)
    name: str
    phone: str | None = Field(default=None, index=True)
    email: str | None = Field(default=None, index=True)
    profile: dict[str, Any] = Field(default_factory=dict, sa_column=json_column())
    created_at: datetime = Field(sa_column=utc_column())
    version: int = 1


class ChannelIdentity(SQLModel, table=True):
    """An address on a channel (a phone for SMS, a Telegram id, a web session) owned by a client."""

    __tablename__ = "channel_identities"

    channel: str = Field(primary_key=True, max_length=16)
    address: str = Field(primary_key=True, max_length=255)
    client_id: str = Field(foreign_key="clients.id", index=True)
