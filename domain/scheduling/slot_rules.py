"""The one place that decides whether a start can be held, confirmed or moved to."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import bindparam, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key
from sqlalchemy.sql.elements import BindParameter
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
    occupied_span,
    occupies,
)
from domain.models.types import UTCDateTime
from domain.scheduling.availability import AvailabilityChecker, ProviderCalendar, Unavailability
from domain.scheduling.calendars import BookingPolicy, ProviderHours, booking_window, practice
from domain.scheduling.start_calendar import calendar_for_start


class SlotProvider(ProviderHours, Protocol):
    """What the slot rules need of a provider: their hours' settings and a name to refuse by."""

    @property
    def name(self) -> str: ...


class SlotService(Protocol):
    """What the slot rules need of a service."""

    @property
    def name(self) -> str: ...
    @property
    def duration_min(self) -> int: ...


def occupancy(
    provider: SlotProvider, service: SlotService, start: datetime
) -> tuple[datetime, datetime]:
    """Return when a booking starting at `start` ends, and until when it keeps the provider."""
    return occupied_span(start, duration_min=service.duration_min, buffer_min=provider.buffer_min)


def checker_around(
    uow: UnitOfWork,
    *,
    provider: SlotProvider,
    service: SlotService,
    start: datetime,
    ignore_booking_id: str | None = None,
    policy_now: datetime | None = None,
    policy: BookingPolicy | None = None,
    calendar: ProviderCalendar | None = None,
) -> AvailabilityChecker:
    """Build the checker that offered slots use, from the rows that decide `start`.

    `calendar` is those rows when the caller read them already, with its own (for one round
    trip); `policy` the practice's, likewise.
    """
    now = uow.now()
    if calendar is None:
        calendar = calendar_for_start(
            uow.session,
            provider,
            start=start,
            duration_min=service.duration_min,
            now=now,
            ignore_booking_id=ignore_booking_id,
        )
    return AvailabilityChecker(
        calendar,
        timedelta(minutes=service.duration_min),
        booking_window(policy or practice(uow.session), policy_now or now),
    )


def ensure_bookable(
    uow: UnitOfWork,
    *,
    provider: SlotProvider,
    service: SlotService,
    start: datetime,
    ignore_booking_id: str | None = None,
    policy_now: datetime | None = None,
    policy: BookingPolicy | None = None,
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
        policy=policy,
    )
    # Only once the start is free by availability's reckoning, which ignores expired holds.
    _, blocked_until = occupancy(provider, service, start)
    expire_stale_holds(uow, provider_id=provider.id, start=start, blocked_until=blocked_until)


def refuse_if_unavailable(
    uow: UnitOfWork,
    *,
    provider: SlotProvider,
    service: SlotService,
    start: datetime,
    ignore_booking_id: str | None = None,
    policy_now: datetime | None = None,
    policy: BookingPolicy | None = None,
    calendar: ProviderCalendar | None = None,
) -> None:
    """Refuse a start that is not free, changing nothing (expired holds are ignored anyway)."""
    checker = checker_around(
        uow,
        provider=provider,
        service=service,
        start=start,
        ignore_booking_id=ignore_booking_id,
        policy_now=policy_now,
        policy=policy,
        calendar=calendar,
    )
    reason = checker.unavailability(start)
    if reason is not None:
        raise explain(
            reason,
            now=uow.now(),
            provider=provider,
            service=service,
            start=start,
            policy=policy or practice(uow.session),
            checker=checker,
        )


def explain(
    reason: Unavailability,
    *,
    provider: SlotProvider,
    service: SlotService,
    start: datetime,
    policy: BookingPolicy,
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


def taken(provider: SlotProvider, start: datetime) -> SlotUnavailable:
    when = format_local(start, zone(provider.timezone))
    return SlotUnavailable(
        f"Sorry, {when} with {provider.name} was just taken by someone else.",
        reason=Unavailability.TAKEN.value,
    )


_START: BindParameter[datetime] = bindparam("start", type_=UTCDateTime())
_UNTIL: BindParameter[datetime] = bindparam("until", type_=UTCDateTime())
_NOW: BindParameter[datetime] = bindparam("now", type_=UTCDateTime())
# Built once (a parameter may not share a column's name) and sent as a plain statement: the
# session's own bulk update costs more than the rest of a hold.
_EXPIRE_STALE_HOLDS = (
    update(Booking)
    .where(col(Booking.provider_id) == bindparam("of_provider"))
    .where(col(Booking.status) == BookingStatus.HOLD)
    .where(col(Booking.hold_expires_at) <= _NOW)
    .where(occupies(_START, _UNTIL))
    .values(status=BookingStatus.EXPIRED, updated_at=_NOW, version=Booking.version + 1)
    .returning(col(Booking.id))
)


def expire_stale_holds(
    uow: UnitOfWork, *, provider_id: str, start: datetime, blocked_until: datetime
) -> None:
    """Mark holds past their expiry that overlap a range as expired, so their rows stop blocking.

    Availability already ignores them; this keeps the PostgreSQL exclusion constraint, which
    cannot look at the clock, from refusing the slot they used to hold.
    """
    now = uow.now()
    expired = uow.session.connection().execute(
        _EXPIRE_STALE_HOLDS,
        {"of_provider": provider_id, "now": now, "start": start, "until": blocked_until},
    )
    for booking_id in expired.scalars():
        _expired_in_session(uow, booking_id, now)
        audit(
            uow,
            actor=SYSTEM,
            action="booking.expired",
            subject_type="booking",
            subject_id=booking_id,
        )


def _expired_in_session(uow: UnitOfWork, booking_id: str, now: datetime) -> None:
    """Make the session's copy of an expired booking, if it holds one, match its row.

    A hold being confirmed after its expiry is one: its confirmation counts from the version
    the expiry wrote.
    """
    held = uow.session.identity_map.get(identity_key(Booking, booking_id))
    if held is None:
        return
    set_committed_value(held, "status", BookingStatus.EXPIRED)
    set_committed_value(held, "updated_at", now)
    set_committed_value(held, "version", held.version + 1)
