"""The one place that decides whether a start can be held, confirmed or moved to."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import col

from domain.availability import AvailabilityChecker, Unavailability
from domain.calendars import booking_window, load_calendars, practice
from domain.errors import SlotUnavailable
from domain.models import Booking, BookingStatus, Practice, Provider, Service
from domain.timefmt import format_local, zone
from domain.uow import UnitOfWork


def checker_around(
    uow: UnitOfWork,
    *,
    provider: Provider,
    service: Service,
    start: datetime,
    ignore_booking_id: str | None = None,
) -> AvailabilityChecker:
    """Build the checker that offered slots use, for the local days around `start`."""
    now = uow.now()
    calendars = load_calendars(
        uow.session,
        [provider],
        start=start - timedelta(days=1),
        end=start + timedelta(days=1),
        now=now,
        ignore_booking_id=ignore_booking_id,
    )
    return AvailabilityChecker(
        calendars[provider.id],
        timedelta(minutes=service.duration_min),
        booking_window(practice(uow.session), now),
    )


def ensure_bookable(
    uow: UnitOfWork,
    *,
    provider: Provider,
    service: Service,
    start: datetime,
    ignore_booking_id: str | None = None,
) -> None:
    """Refuse a start that is not free now, saying why in words a client understands."""
    checker = checker_around(
        uow, provider=provider, service=service, start=start, ignore_booking_id=ignore_booking_id
    )
    reason = checker.unavailability(start)
    if reason is not None:
        raise explain(
            reason,
            provider=provider,
            service=service,
            start=start,
            policy=practice(uow.session),
            checker=checker,
        )


def explain(
    reason: Unavailability,
    *,
    provider: Provider,
    service: Service,
    start: datetime,
    policy: Practice,
    checker: AvailabilityChecker,
) -> SlotUnavailable:
    when = format_local(start, zone(provider.timezone))
    messages = {
        Unavailability.CLOSED: f"{provider.name} has no {service.name} starting {when}.",
        Unavailability.TOO_SOON: (
            f"Appointments need at least {policy.min_notice_minutes} minutes' notice; the earliest "
            f"possible start is {format_local(checker.window.earliest, zone(provider.timezone))}."
        ),
        Unavailability.TOO_FAR: (
            f"Appointments can be booked at most {policy.max_advance_days} days ahead, "
            f"up to {checker.window.last_day:%a} {checker.window.last_day.day} "
            f"{checker.window.last_day:%b %Y}."
        ),
        Unavailability.TIME_OFF: f"{provider.name} is away on {when}.",
        Unavailability.TAKEN: f"Sorry, {when} with {provider.name} is already taken.",
    }
    return SlotUnavailable(messages[reason], reason=reason.value)


def taken(provider: Provider, start: datetime) -> SlotUnavailable:
    when = format_local(start, zone(provider.timezone))
    return SlotUnavailable(
        f"Sorry, {when} with {provider.name} was just taken by someone else.",
        reason=Unavailability.TAKEN.value,
    )


def expire_stale_holds(
    uow: UnitOfWork, *, provider_id: str, start: datetime, blocked_until: datetime
) -> None:
    """Mark holds past their expiry that overlap a range as expired, so their rows stop blocking.

    Availability already ignores them; this keeps the PostgreSQL exclusion constraint, which
    cannot look at the clock, from refusing the slot they used to hold.
    """
    uow.session.execute(
        update(Booking)
        .where(col(Booking.provider_id) == provider_id)
        .where(col(Booking.status) == BookingStatus.HOLD)
        .where(col(Booking.hold_expires_at) <= uow.now())
        .where(col(Booking.starts_at) < blocked_until, col(Booking.blocked_until) > start)
        .values(status=BookingStatus.EXPIRED)
    )
