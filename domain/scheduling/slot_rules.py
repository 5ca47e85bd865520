"""The one place that decides whether a start can be held, confirmed or moved to."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import col

from domain.kernel.actors import SYSTEM
from domain.kernel.errors import SlotUnavailable
from domain.kernel.instants import require_instant
from domain.kernel.journal import audit
from domain.kernel.timefmt import format_local, format_when, on_day, zone
from domain.kernel.uow import UnitOfWork
from domain.models import (
    Booking,
    BookingStatus,
    Practice,
    Provider,
    Service,
    occupied_span,
    occupies,
)
from domain.scheduling.availability import AvailabilityChecker, Unavailability
from domain.scheduling.calendars import booking_window, load_calendars, practice


def occupancy(provider: Provider, service: Service, start: datetime) -> tuple[datetime, datetime]:
    """Return when a booking starting at `start` ends, and until when it keeps the provider."""
    return occupied_span(start, duration_min=service.duration_min, buffer_min=provider.buffer_min)


def checker_around(
    uow: UnitOfWork,
    *,
    provider: Provider,
    service: Service,
    start: datetime,
    ignore_booking_id: str | None = None,
    policy_now: datetime | None = None,
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
        booking_window(practice(uow.session), policy_now or now),
    )


def ensure_bookable(
    uow: UnitOfWork,
    *,
    provider: Provider,
    service: Service,
    start: datetime,
    ignore_booking_id: str | None = None,
    policy_now: datetime | None = None,
) -> None:
    """Refuse a start that is not free now, saying why in words a client understands.

    `policy_now` judges notice and window as of an earlier moment: a live hold keeps the
    terms under which its slot was offered, so the minute spent confirming costs nothing.
    """
    require_instant(start)
    refuse_if_unavailable(
        uow,
        provider=provider,
        service=service,
        start=start,
        ignore_booking_id=ignore_booking_id,
        policy_now=policy_now,
    )
    # Only once the start is free by availability's reckoning, which ignores expired holds.
    _, blocked_until = occupancy(provider, service, start)
    expire_stale_holds(uow, provider_id=provider.id, start=start, blocked_until=blocked_until)


def refuse_if_unavailable(
    uow: UnitOfWork,
    *,
    provider: Provider,
    service: Service,
    start: datetime,
    ignore_booking_id: str | None = None,
    policy_now: datetime | None = None,
) -> None:
    """Refuse a start that is not free, changing nothing (expired holds are ignored anyway)."""
    checker = checker_around(
        uow,
        provider=provider,
        service=service,
        start=start,
        ignore_booking_id=ignore_booking_id,
        policy_now=policy_now,
    )
    reason = checker.unavailability(start)
    if reason is not None:
        raise explain(
            reason,
            now=uow.now(),
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
    now: datetime,
) -> SlotUnavailable:
    local, home = zone(provider.timezone), zone(policy.timezone)
    when = format_when(start, local, now=now, home=home)
    earliest = format_when(checker.window.earliest, local, now=now, home=home)
    messages = {
        Unavailability.CLOSED: f"{provider.name} has no {service.name} starting {when}.",
        Unavailability.TOO_SOON: (
            f"Appointments need at least {policy.min_notice_minutes} minutes' notice; the earliest "
            f"possible start is {earliest}."
        ),
        Unavailability.TOO_FAR: (
            f"Appointments can be booked at most {policy.max_advance_days} days ahead, "
            f"up to {checker.window.last_day:%a} {checker.window.last_day.day} "
            f"{checker.window.last_day:%b %Y}."
        ),
        Unavailability.TIME_OFF: f"{provider.name} is away {on_day(when)}.",
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
    now = uow.now()
    expired = uow.session.execute(
        update(Booking)
        .where(col(Booking.provider_id) == provider_id)
        .where(col(Booking.status) == BookingStatus.HOLD)
        .where(col(Booking.hold_expires_at) <= now)
        .where(occupies(start, blocked_until))
        .values(status=BookingStatus.EXPIRED, updated_at=now, version=Booking.version + 1)
        .returning(col(Booking.id))
    )
    for booking_id in expired.scalars():
        audit(
            uow,
            actor=SYSTEM,
            action="booking.expired",
            subject_type="booking",
            subject_id=booking_id,
        )
