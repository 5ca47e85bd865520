"""Clients, their profile fields and the channel identities that lead to them."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, Session, SQLModel, select

from domain.models.sealed import index_column, sealed_column, watch_sealed_rows
from domain.models.types import utc_column


def new_id() -> str:
    return uuid.uuid4().hex


@watch_sealed_rows
class Client(SQLModel, table=True):
    __tablename__ = "clients"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=64)
    name: str
    # Sealed at rest; found by their blind indexes (`Client.phone == number` compares those).
    phone: str | None = Field(
        default=None, sa_column=sealed_column("clients.phone", indexed_by="phone_index")
    )
    email: str | None = Field(
        default=None, sa_column=sealed_column("clients.email", indexed_by="email_index")
    )
    phone_index: str | None = Field(default=None, sa_column=index_column())
    email_index: str | None = Field(default=None, sa_column=index_column())
    profile: dict[str, Any] = Field(
        default_factory=dict, sa_column=sealed_column("clients.profile", codec="json")
    )
    created_at: datetime = Field(sa_column=utc_column())
    # The language the client is answered in ("en", "de", "ru"), once known; notifications too.
    language: str | None = Field(default=None, max_length=8)
    version: int = 1


@watch_sealed_rows
class ChannelIdentity(SQLModel, table=True):
    """An address on a channel (a phone for SMS, a Telegram id, a web session) owned by a client."""

    __tablename__ = "channel_identities"
    # One owner per address: the blind index stands for the sealed address.
    __table_args__ = (
        UniqueConstraint("channel", "address_index", name="uq_channel_identities_address"),
    )

    id: str = Field(default_factory=new_id, primary_key=True, max_length=64)
    channel: str = Field(max_length=16)
    # Sealed at rest; found by its blind index (`find_identity`).
    address: str = Field(
        sa_column=sealed_column(
            "channel_identities.address", indexed_by="address_index", nullable=False
        )
    )
    address_index: str | None = Field(default=None, sa_column=index_column())
    client_id: str = Field(foreign_key="clients.id", index=True)


def find_identity(session: Session, channel: str, address: str) -> ChannelIdentity | None:
    """The identity at this channel address, whichever key its blind index was made with."""
    return session.exec(
        select(ChannelIdentity).where(
            ChannelIdentity.channel == channel, ChannelIdentity.address == address
        )
    ).first()
