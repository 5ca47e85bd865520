"""What every change of a booking goes through: the locked row, the notice, and the transition
with its audit event and outbox message (the offering and the policy are `_terms`)."""

from __future__ import annotations

from typing import Any

from domain.booking import notice
from domain.booking.notice import Verb
from domain.kernel.actors import Actor, acts_for
from domain.kernel.errors import InvalidTransition, NotFound, PolicyViolation
from domain.kernel.journal import audit, enqueue
from domain.kernel.uow import UnitOfWork
from domain.kernel.versioning import bump_version, lock, require_version
from domain.models import Booking, BookingStatus, Provider, StaffUser
from domain.scheduling.calendars import practice
from domain.staff.access import own_provider

MISSING = "No booking with that reference was found."


def may_see(actor: Actor, booking: Booking) -> bool:
    return acts_for(actor, booking.client_id)


def get(uow: UnitOfWork, booking_id: str) -> Booking:
    return uow.session.get_one(Booking, booking_id)


def locked(uow: UnitOfWork, actor: Actor, booking_id: str) -> Booking:
    booking = lock(uow, Booking, booking_id)
    # Another client's booking is reported as missing: its existence is not theirs to learn.
    if booking is None or not may_see(actor, booking):
        raise NotFound(MISSING)
    return booking


def visible_to_staff(uow: UnitOfWork, staff: StaffUser, booking_id: str) -> Booking:
    """Return the booking if this staff member may see it: admins all, a provider their own."""
    booking = uow.session.get(Booking, booking_id)
    limit_to = own_provider(staff)
    if booking is None or (limit_to is not None and booking.provider_id != limit_to):
        raise NotFound(MISSING)
    return booking


def refuse_if_stale(booking: Booking, expected_version: int | None) -> None:
    """Refuse a change made from an older version; the transition itself counts the new one."""
    if expected_version is not None:
        require_version(booking, expected_version, what="booking")


def enforce_notice(uow: UnitOfWork, booking: Booking, *, verb: Verb) -> None:
    policy = practice(uow.session)
    deadline = notice.changeable_online_until(policy, booking)
    if uow.now() > deadline:
        provider = uow.session.get_one(Provider, booking.provider_id)
        raise PolicyViolation(
            notice.refusal(policy, booking, verb=verb, timezone=provider.timezone, now=uow.now()),
            allowed_until=deadline,
        )


def transition(
    uow: UnitOfWork,
    actor: Actor,
    booking: Booking,
    status: BookingStatus,
    action: str,
    *,
    notify: bool = True,
    details: dict[str, Any] | None = None,
) -> None:
    booking.status = status
    booking.updated_at = uow.now()
    bump_version(booking)
    audit(
        uow,
        actor=actor,
        action=action,
        subject_type="booking",
        subject_id=booking.id,
        details=details,
    )
    if notify:
        enqueue(
            uow,
            event=action,
            subject_id=booking.id,
            payload={
                "booking_id": booking.id,
                "client_id": booking.client_id,
                "provider_id": booking.provider_id,
                "service_id": booking.service_id,
                "start": booking.starts_at.isoformat(),
                **(details or {}),
            },
        )


def changeable(uow: UnitOfWork, actor: Actor, booking_id: str, *, verb: Verb) -> Booking:
    return ensure_changeable(uow, actor, locked(uow, actor, booking_id), verb=verb)


def ensure_changeable(uow: UnitOfWork, actor: Actor, booking: Booking, *, verb: Verb) -> Booking:
    """Return a confirmed booking the actor may cancel or move now, or refuse saying why."""
    if booking.status != BookingStatus.CONFIRMED:
        raise InvalidTransition(
            f"This booking is {booking.status.replace('_', ' ')} and cannot be {verb}."
        )
    if actor.is_client:
        enforce_notice(uow, booking, verb=verb)
    return booking
