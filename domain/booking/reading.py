"""Reading bookings: a client's own list, one booking by id."""

from __future__ import annotations

from sqlmodel import col, select

from domain.booking._transitions import may_see
from domain.kernel.actors import Actor, acts_for
from domain.kernel.errors import NotFound
from domain.kernel.uow import UnitOfWork
from domain.models import Booking, BookingStatus


def list_client_bookings(
    *, uow: UnitOfWork, actor: Actor, client_id: str, upcoming_only: bool = True
) -> list[Booking]:
    """Return a client's confirmed bookings, soonest first (upcoming ones unless told otherwise)."""
    if not acts_for(actor, client_id):
        raise NotFound("No such client.")
    with uow.reading() as reader:
        now = reader.now()
        query = (
            select(Booking)
            .where(col(Booking.client_id) == client_id)
            .where(col(Booking.status) == BookingStatus.CONFIRMED)
            .order_by(col(Booking.starts_at))
        )
        if upcoming_only:
            query = query.where(col(Booking.ends_at) > now)
        return list(reader.session.exec(query))


def get_booking(*, uow: UnitOfWork, actor: Actor, booking_id: str) -> Booking:
    with uow.reading() as reader:
        booking = reader.session.get(Booking, booking_id)
        if booking is None or not may_see(actor, booking):
            raise NotFound("No booking with that reference was found.")
        return booking
