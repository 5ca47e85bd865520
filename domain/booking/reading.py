"""Reading bookings: a client's own list and one booking by id; the staff diary in pages and
one booking with its intake answers, a provider limited to their own."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date

from sqlmodel import col, select

from domain.booking._transitions import MISSING, may_see, visible_to_staff
from domain.kernel.actors import Actor, acts_for
from domain.kernel.day_ranges import check_day_range
from domain.kernel.errors import NotFound
from domain.kernel.journal import audit
from domain.kernel.paging import page_of
from domain.kernel.timefmt import day_bounds_utc, zone
from domain.kernel.uow import UnitOfWork
from domain.models import Booking, BookingStatus, StaffUser
from domain.scheduling.calendars import practice
from domain.staff.access import own_provider, require_own_provider, staff_actor


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
            raise NotFound(MISSING)
        return booking


def page_bookings(
    *,
    uow: UnitOfWork,
    staff: StaffUser,
    provider_id: str | None,
    client_id: str | None,
    first_day: date | None,
    last_day: date | None,
    statuses: Collection[str],
    limit: int,
    offset: int,
) -> tuple[list[Booking], int]:
    """Return a page of bookings by start; days are the practice's, both ends included.

    A provider sees their own diary only; asking for a colleague's is refused.
    """
    check_day_range(first_day, last_day)
    if provider_id is not None:
        require_own_provider(staff, provider_id)
    limit_to = own_provider(staff)
    query = select(Booking).order_by(col(Booking.starts_at), col(Booking.id))
    if limit_to or provider_id:
        query = query.where(col(Booking.provider_id) == (limit_to or provider_id))
    if client_id:
        query = query.where(col(Booking.client_id) == client_id)
    if statuses:
        query = query.where(col(Booking.status).in_(list(statuses)))
    with uow.reading() as reader:
        practice_zone = zone(practice(reader.session).timezone)
        if first_day is not None:
            query = query.where(
                col(Booking.starts_at) >= day_bounds_utc(first_day, practice_zone)[0]
            )
        if last_day is not None:
            query = query.where(col(Booking.starts_at) < day_bounds_utc(last_day, practice_zone)[1])
        return page_of(reader.session, query, limit=limit, offset=offset)


def read_booking(*, uow: UnitOfWork, staff: StaffUser, booking_id: str) -> Booking:
    """Return a booking with its intake answers; the read is audited (they are the client's)."""
    with uow:
        booking = visible_to_staff(uow, staff, booking_id)
        audit(
            uow,
            actor=staff_actor(staff),
            action="booking.intake_read",
            subject_type="booking",
            subject_id=booking_id,
            details={"client": booking.client_id},
        )
        uow.commit()
    return booking
