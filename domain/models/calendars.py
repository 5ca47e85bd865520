"""Providers' own calendars: connections to them and the busy time read from them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from domain.models.clients import new_id
from domain.models.sealed import sealed_column, watch_sealed_rows
from domain.models.types import utc_column


class CalendarKind(StrEnum):
    CALDAV = "caldav"
    ICS_FEED = "ics_feed"


@watch_sealed_rows
class CalendarConnection(SQLModel, table=True):
    """One external calendar of a provider whose events block their slots.

    The URL and password are sealed like clients' contacts; the change token (a CalDAV ctag, or a
    digest of a feed's body) lets a sync skip a calendar that did not change.
    """

    __tablename__ = "calendar_connections"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=64)
    provider_id: str = Field(foreign_key="providers.id", index=True)
    kind: str = Field(max_length=16)
    # Sealed too: a feed's URL is often its only secret (a private address with a token in it).
    url: str = Field(sa_column=sealed_column("calendar_connections.url", nullable=False))
    username: str = Field(default="", max_length=255)
    password: str | None = Field(
        default=None,
        sa_column=sealed_column("calendar_connections.password", nullable=True),
    )
    calendar_name: str = Field(default="", max_length=255)  # CalDAV: which of the account's
    count_tentative: bool = True  # tentative events block slots unless the provider says not
    change_token: str | None = Field(default=None, max_length=512)
    last_synced_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    last_attempt_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    last_error: str | None = Field(default=None, max_length=1000)
    created_at: datetime = Field(sa_column=utc_column())


class ExternalBusy(SQLModel, table=True):
    """A busy interval read from a connection, in UTC, replaced whole at each sync."""

    __tablename__ = "external_busy"
    __table_args__ = (Index("ix_external_busy_provider_start", "provider_id", "starts_at"),)

    id: int | None = Field(default=None, primary_key=True)
    connection_id: str = Field(foreign_key="calendar_connections.id", index=True)
    provider_id: str = Field(foreign_key="providers.id")
    starts_at: datetime = Field(sa_column=utc_column())
    ends_at: datetime = Field(sa_column=utc_column())
