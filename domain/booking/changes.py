"""Changes to a confirmed booking: cancelling (by the client or by staff) and rescheduling, and
previews that refuse early."""

from __future__ import annotations

from datetime import datetime

from domain.booking._terms import offering
from domain.booking._transitions import (
    changeable,
    enforce_notice,
    ensure_changeable,
    locked,
    refuse_if_stale,
    transition,
    visible_to_staff,
)
from domain.booking.retries import refused_as_taken, retrying
from domain.kernel.actors import Actor
from domain.kernel.errors import InvalidTransition
from domain.kernel.instants import require_instant
from domain.kernel.uow import UnitOfWork
from domain.models import Booking, BookingStatus, StaffUser
from domain.scheduling.slot_rules import ensure_bookable, occupancy, refuse_if_unavailable
from domain.staff.access import staff_actor


def cancel_booking(
    *,
    uow: UnitOfWork,
    actor: Actor,
    booking_id: str,
    reason: str = "",
    expected_version: int | None = None,
) -> Booking:
    """Cancel a confirmed booking; clients only within the cancellation notice.

    With `expected_version` (staff over REST), a booking changed since it was read is refused.
    """
    with uow:
        booking = locked(uow, actor, booking_id)
        refuse_if_stale(booking, expected_version)
        if booking.status == BookingStatus.CANCELLED:
            return booking
        ensure_changeable(uow, actor, booking, verb="cancelled")
        transition(
            uow,
            actor,
            booking,
            BookingStatus.CANCELLED,
            "booking.cancelled",
            details={"reason": reason},
        )
        uow.commit()
        return booking


def cancel_for_client(
    *, uow: UnitOfWork, staff: StaffUser, booking_id: str, expected_version: int, reason: str
) -> Booking:
    """Cancel a confirmed booking from the version read; staff are not bound by the notice."""
    # The version check in cancelling ties the change to the state this access check saw.
    with uow.reading() as reader:
        visible_to_staff(reader, staff, booking_id)
    return cancel_booking(
        uow=uow,
        actor=staff_actor(staff),
        booking_id=booking_id,
        reason=reason,
        expected_version=expected_version,
    )


def reschedule_booking(
    *,
    uow: UnitOfWork,
    actor: Actor,
    booking_id: str,
    new_start: datetime,
    new_provider_id: str | None = None,
) -> Booking:
    """Move a confirmed booking to a free start in one transaction; a repeat changes nothing."""
    require_instant(new_start)

    def attempt() -> Booking:
        with uow:
            booking = locked(uow, actor, booking_id)
            if booking.status != BookingStatus.CONFIRMED:
                raise InvalidTransition(
                    f"This booking is {booking.status.replace('_', ' ')} and cannot be moved."
                )
            provider_id = new_provider_id or booking.provider_id
            # Before the notice check: repeating a move already made must answer, not refuse.
            if booking.starts_at == new_start and booking.provider_id == provider_id:
                return booking
            if actor.is_client:
                enforce_notice(uow, booking, verb="moved")
            provider, service = offering(uow, provider_id, booking.service_id)
            ends_at, blocked_until = occupancy(provider, service, new_start)
            ensure_bookable(
                uow,
                provider=provider,
                service=service,
                start=new_start,
                ignore_booking_id=booking.id,
            )
            moved_from = {"provider": booking.provider_id, "start": booking.starts_at.isoformat()}
            booking.provider_id = provider.id
            booking.starts_at, booking.ends_at = new_start, ends_at
            booking.blocked_until = blocked_until
            transition(
                uow,
                actor,
                booking,
                BookingStatus.CONFIRMED,
                "booking.rescheduled",
                details={"from": moved_from},
            )
            with refused_as_taken(provider, new_start):
                uow.commit()  # nothing is queried after the change, so only this flush writes
            return booking

    return retrying(attempt)


def preview_cancel(*, uow: UnitOfWork, actor: Actor, booking_id: str) -> Booking:
    """Refuse now what cancel_booking would refuse, without changing anything."""
    with uow.reading() as reader:
        return changeable(reader, actor, booking_id, verb="cancelled")


def preview_reschedule(
    *, uow: UnitOfWork, actor: Actor, booking_id: str, new_start: datetime
) -> Booking:
    """Refuse now what reschedule_booking would refuse, without changing anything."""
    require_instant(new_start)
    with uow.reading() as reader:
        booking = changeable(reader, actor, booking_id, verb="moved")
        provider, service = offering(reader, booking.provider_id, booking.service_id)
        refuse_if_unavailable(
            reader,
            provider=provider,
            service=service,
            start=new_start,
            ignore_booking_id=booking.id,
        )
        return booking
