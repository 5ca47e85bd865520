"""Every booking at once, whoever's and in whatever state: what an eval or a test compares
before and after a conversation to tell what it changed."""

from __future__ import annotations

from sqlmodel import col, select

from domain.kernel.uow import UnitOfWork
from domain.models import Booking, BookingStatus, Provider


def every_booking(*, uow: UnitOfWork) -> list[Booking]:
    """Return every booking: holds, confirmed, cancelled and past alike."""
    with uow.reading() as reader:
        return list(reader.session.exec(select(Booking).order_by(col(Booking.id))))


def confirmed_with_zones(*, uow: UnitOfWork, client_id: str) -> list[tuple[Booking, str]]:
    """Return a client's confirmed bookings, past ones too, each with its provider's time zone."""
    with uow.reading() as reader:
        rows = reader.session.exec(
            select(Booking, Provider.timezone)
            .join(Provider, col(Provider.id) == col(Booking.provider_id))
            .where(col(Booking.client_id) == client_id)
            .where(col(Booking.status) == BookingStatus.CONFIRMED)
            .order_by(col(Booking.starts_at))
        )
        return [(booking, timezone) for booking, timezone in rows]
