"""Bookings: holds, confirmed appointments and their end states."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import CheckConstraint, ColumnElement, Index, and_
from sqlmodel import Field, SQLModel, col

from domain.models.clients import new_id
from domain.models.sealed import sealed_column, watch_sealed_rows
from domain.models.types import utc_column


class BookingStatus(StrEnum):
    HOLD = "hold"
    CONFIRMED = "confirmed"
    COMPLETED = "completed"
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    RELEASED = "released"


# What occupies a slot, defined once: a hold or a confirmed booking keeps its provider from
# `starts_at` until `blocked_until` (the end plus the provider's buffer), half-open. The code
# computes the columns with `occupied_span`, queries them with `occupies`, and PostgreSQL's
# exclusion constraint (migration 0001) is built from the same names and statuses.
OCCUPYING_STATUSES = (BookingStatus.HOLD, BookingStatus.CONFIRMED)
OCCUPIED_FROM, OCCUPIED_UNTIL = "starts_at", "blocked_until"
OCCUPIED_RANGE = f"tstzrange({OCCUPIED_FROM}, {OCCUPIED_UNTIL}, '[)')"
NO_OVERLAP = "bookings_no_overlap"
NO_OVERLAP_DDL = (
    f"ALTER TABLE bookings ADD CONSTRAINT {NO_OVERLAP} EXCLUDE USING gist "
    f"(provider_id WITH =, {OCCUPIED_RANGE} WITH &&) "
    f"WHERE (status IN ({', '.join(repr(status.value) for status in OCCUPYING_STATUSES)}))"
)


def occupied_span(
    start: datetime, *, duration_min: int, buffer_min: int
) -> tuple[datetime, datetime]:
    """Return when an appointment starting at `start` ends, and until when it keeps its provider."""
    ends_at = start + timedelta(minutes=duration_min)
    return ends_at, occupied_until(ends_at, timedelta(minutes=buffer_min))


def occupied_until(ends_at: datetime, buffer: timedelta) -> datetime:
    """Return until when an appointment ending at `ends_at` keeps its provider: the buffer after."""
    return ends_at + buffer


@watch_sealed_rows
class Booking(SQLModel, table=True):
    __tablename__ = "bookings"
    __table_args__ = (
        Index("ix_bookings_provider_start", "provider_id", "starts_at"),
        CheckConstraint(
            "starts_at < ends_at AND ends_at <= blocked_until", name="ck_bookings_time_order"
        ),
    )

    id: str = Field(default_factory=new_id, primary_key=True, max_length=64)
    client_id: str = Field(foreign_key="clients.id", index=True)
    provider_id: str = Field(foreign_key="providers.id")
    service_id: str = Field(foreign_key="services.id")
    starts_at: datetime = Field(sa_column=utc_column())
    ends_at: datetime = Field(sa_column=utc_column())
    # End of the time this booking keeps to itself: see occupied_span.
    blocked_until: datetime = Field(sa_column=utc_column())
    status: str = Field(default=BookingStatus.HOLD, max_length=16, index=True)
    hold_expires_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    channel: str = "api"
    intake: dict[str, Any] = Field(
        default_factory=dict, sa_column=sealed_column("bookings.intake", codec="json")
    )
    price: str = "0.00"
    currency: str = "EUR"
    created_at: datetime = Field(sa_column=utc_column())
    updated_at: datetime = Field(sa_column=utc_column())
    version: int = 1


def occupies(
    start: datetime | ColumnElement[datetime], until: datetime | ColumnElement[datetime]
) -> ColumnElement[bool]:
    """The condition that a booking's occupied range overlaps [start, until)."""
    return and_(col(Booking.starts_at) < until, col(Booking.blocked_until) > start)
