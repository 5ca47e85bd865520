"""Outcomes: a confirmed booking that has started is marked completed or a no-show, by staff."""

from __future__ import annotations

from domain.booking._transitions import locked, refuse_if_stale, transition, visible_to_staff
from domain.kernel.actors import Actor
from domain.kernel.errors import Forbidden, InvalidTransition
from domain.kernel.uow import UnitOfWork
from domain.models import Booking, BookingStatus, StaffUser
from domain.staff.access import staff_actor


def mark_attendance(
    *,
    uow: UnitOfWork,
    actor: Actor,
    booking_id: str,
    attended: bool,
    expected_version: int | None = None,
) -> Booking:
    """Record that a confirmed booking took place or was missed, once it has started."""
    if actor.is_client:
        raise Forbidden("Only staff can record attendance.")
    outcome = BookingStatus.COMPLETED if attended else BookingStatus.NO_SHOW
    with uow:
        booking = locked(uow, actor, booking_id)
        refuse_if_stale(booking, expected_version)
        if booking.status == outcome:
            return booking
        if booking.status != BookingStatus.CONFIRMED:
            raise InvalidTransition(
                f"This booking is {booking.status.replace('_', ' ')}; only confirmed ones can be "
                "marked completed or no-show."
            )
        if uow.now() < booking.starts_at:
            raise InvalidTransition("A booking can be marked completed or no-show once it starts.")
        transition(uow, actor, booking, outcome, f"booking.{outcome.value}", notify=False)
        uow.commit()
        return booking


def record_attendance(
    *, uow: UnitOfWork, staff: StaffUser, booking_id: str, expected_version: int, attended: bool
) -> Booking:
    """Mark a booking that has started as completed or as a no-show, from the version read."""
    with uow.reading() as reader:
        visible_to_staff(reader, staff, booking_id)
    return mark_attendance(
        uow=uow,
        actor=staff_actor(staff),
        booking_id=booking_id,
        attended=attended,
        expected_version=expected_version,
    )
