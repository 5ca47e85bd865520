"""Bookings as staff handle them: the diary in pages, booking for a client, the outcomes.

Holding, confirming, cancelling and attendance are the booking lifecycle's own functions
(domain.booking.bookings): the same availability, overlap protection and notice policy as the agent.
A provider's bookings are their own; anyone else's answer "not found".
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import date, datetime
from typing import Any

from sqlmodel import col, select

from domain.booking.changes import cancel_booking
from domain.booking.confirmation import confirm_booking
from domain.booking.drafts import intake_from_profile, missing_intake
from domain.booking.holds import hold_slot, release_hold
from domain.booking.outcomes import mark_attendance
from domain.kernel.day_ranges import check_day_range
from domain.kernel.errors import Conflict, DomainError, InvalidInput, NotFound
from domain.kernel.journal import audit
from domain.kernel.paging import page_of
from domain.kernel.timefmt import day_bounds_utc, zone
from domain.kernel.uow import UnitOfWork
from domain.models import Booking, BookingStatus, Client, Service, StaffUser
from domain.scheduling.calendars import practice
from domain.staff.access import (
    APPOINTMENT_STATUSES,
    may_book_for,
    own_provider,
    require_own_provider,
    staff_actor,
)

MISSING = "No booking with that reference was found."
# What holding answers for a client that does not exist; a client out of reach gets the same.
NO_CLIENT = "No such client."


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
        booking = _visible(uow, staff, booking_id)
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


def book_for_client(
    *,
    uow: UnitOfWork,
    staff: StaffUser,
    client_id: str,
    provider_id: str,
    service_id: str,
    start: datetime,
    intake: Mapping[str, Any],
    idempotency_key: str,
) -> Booking:
    """Book a free start for a client (hold, then confirm); the same key books only once.

    A provider books only with themself, and only for a client already theirs or one their
    staff registered (access.may_book_for); any other client, like a missing one, is "not
    found", and is checked before anything else about the client is said. What the client's
    profile lacks of the service's intake must come in `intake`, or nothing is held.

    The same key sent again answers with its booking once that was confirmed (whatever became
    of it since); a booking the key held but could not confirm is refused, as a conflict.
    """
    require_own_provider(staff, provider_id)
    with uow.reading() as reader:
        if not may_book_for(reader, staff, client_id):
            raise NotFound(NO_CLIENT)
    intake = {field: str(value) for field, value in intake.items()}
    _refuse_incomplete_intake(uow, client_id, service_id, intake)
    actor = staff_actor(staff)
    held = hold_slot(
        uow=uow,
        actor=actor,
        client_id=client_id,
        provider_id=provider_id,
        service_id=service_id,
        start=start,
        idempotency_key=staff_key(staff, idempotency_key),
        intake=intake,
    )
    if held.status in APPOINTMENT_STATUSES:
        return held  # the same request again: it was confirmed (and may have moved on) already
    if held.status == BookingStatus.RELEASED:
        raise Conflict(
            "A request with this key was not booked: the start could not be confirmed and was "
            "given back. Look for a free start again and send the booking with a new key."
        )
    try:
        return confirm_booking(uow=uow, actor=actor, booking_id=held.id)
    except DomainError:
        release_hold(uow=uow, actor=actor, booking_id=held.id)  # no slot kept for nothing
        raise


def staff_key(staff: StaffUser, idempotency_key: str) -> str:
    """Return the key a staff member's booking request is held under."""
    # Keys are per staff member: one person's key never answers another's request.
    return f"staff:{staff.id}:{idempotency_key}"


def cancel_for_client(
    *, uow: UnitOfWork, staff: StaffUser, booking_id: str, expected_version: int, reason: str
) -> Booking:
    """Cancel a confirmed booking from the version read; staff are not bound by the notice."""
    # The version check in cancelling ties the change to the state this access check saw.
    with uow.reading() as reader:
        _visible(reader, staff, booking_id)
    return cancel_booking(
        uow=uow,
        actor=staff_actor(staff),
        booking_id=booking_id,
        reason=reason,
        expected_version=expected_version,
    )


def record_attendance(
    *, uow: UnitOfWork, staff: StaffUser, booking_id: str, expected_version: int, attended: bool
) -> Booking:
    """Mark a booking that has started as completed or as a no-show."""
    with uow.reading() as reader:
        _visible(reader, staff, booking_id)
    return mark_attendance(
        uow=uow,
        actor=staff_actor(staff),
        booking_id=booking_id,
        attended=attended,
        expected_version=expected_version,
    )


def _visible(uow: UnitOfWork, staff: StaffUser, booking_id: str) -> Booking:
    """Return the booking if this staff member may see it: admins all, a provider their own."""
    booking = uow.session.get(Booking, booking_id)
    limit_to = own_provider(staff)
    if booking is None or (limit_to is not None and booking.provider_id != limit_to):
        raise NotFound(MISSING)
    return booking


def _refuse_incomplete_intake(
    uow: UnitOfWork, client_id: str, service_id: str, intake: Mapping[str, str]
) -> None:
    with uow.reading() as reader:
        client = reader.session.get(Client, client_id)
        service = reader.session.get(Service, service_id)
    if client is None or service is None:
        return  # holding says which one is missing, in the same words as NO_CLIENT
    missing = missing_intake(service, {**intake_from_profile(service, client), **intake})
    if missing:
        raise InvalidInput(
            "Before booking we still need: "
            + ", ".join(field.replace("_", " ") for field in missing)
            + ".",
            field="intake",
        )
