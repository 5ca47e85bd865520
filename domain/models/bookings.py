"""Bookings: holds, confirmed appointments and their end states."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import CheckConstraint, Index
from sqlmodel import Field, SQLModel

from domain.models.clients import new_id
from domain.models.types import json_column, utc_column


class BookingStatus(StrEnum):
    HOLD = "hold"
    CONFIRMED = "confirmed"
    COMPLETED = "completed"
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    RELEASED = "released"


# Statuses that occupy a provider's time; the PostgreSQL exclusion constraint uses the same set.
OCCUPYING_STATUSES = (BookingStatus.HOLD, BookingStatus.CONFIRMED)


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
    # End of the time this booking keeps to itself: ends_at plus the provider's buffer.
    blocked_until: datetime = Field(sa_column=utc_column())
    status: str = Field(default=BookingStatus.HOLD, max_length=16, index=True)
    hold_expires_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    channel: str = "api"
    intake: dict[str, Any] = Field(default_factory=dict, sa_column=json_column())
    price: str = "0.00"
    currency: str = "EUR"
    created_at: datetime = Field(sa_column=utc_column())
    updated_at: datetime = Field(sa_column=utc_column())
    version: int = 1
