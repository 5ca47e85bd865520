"""Why a time asked for is not free, or why a search found nothing: the policy says, with numbers.

Both models relay these sentences instead of working out the practice's notice, booking window
or a provider's days off on their own: the rules live here, once, beside the slot search that
applies them (issue 15, "policy lives in the domain only").
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from domain.kernel.errors import SlotUnavailable
from domain.kernel.timefmt import zone
from domain.kernel.uow import UnitOfWork
from domain.models import Provider, Service
from domain.scheduling.availability import AvailabilityChecker, Unavailability
from domain.scheduling.calendars import booking_window, load_calendars, practice
from domain.scheduling.slot_rules import explain, refuse_if_unavailable

# Which reason speaks for a search that found nothing, when its starts were refused for several:
# the one the client can act on first (a wider window, another day) before "fully booked".
_FIRST_SAID = (
    Unavailability.TOO_FAR,
    Unavailability.TOO_SOON,
    Unavailability.TIME_OFF,
    Unavailability.TAKEN,
)


def why_not_free(
    uow: UnitOfWork, *, provider: Provider, service: Service, start: datetime
) -> SlotUnavailable | None:
    """Return why one start cannot be booked now, in the words a refusal would use, or None."""
    try:
        with uow.reading() as reader:
            refuse_if_unavailable(reader, provider=provider, service=service, start=start)
    except SlotUnavailable as refused:
        return refused
    return None


def why_none_free(
    uow: UnitOfWork,
    *,
    provider: Provider,
    service: Service,
    start: datetime,
    end: datetime,
    day_from: time | None = None,
    day_until: time | None = None,
) -> SlotUnavailable:
    """Say why no start of `service` with `provider` is free in [start, end) within the day part.

    The days the provider does not work, the practice's notice and booking window, time off and
    other bookings each refuse some starts; the reason given is the one that refused them all,
    or else the first of them the client can act on.
    """
    with uow.reading() as reader:
        checker = _checker(reader, provider, service, start, end)
        policy = practice(reader.session)
    tz = zone(provider.timezone)
    days = _local_days(start, end, tz)
    window = checker.window
    first_day = start.astimezone(window.timezone or tz).date()
    policy_refusal = (
        Unavailability.TOO_FAR
        if first_day > window.last_day
        else Unavailability.TOO_SOON
        if end <= window.earliest
        else None
    )
    if policy_refusal is not None:
        # The whole range lies outside what the practice books, whatever the provider's hours.
        return explain(
            policy_refusal,
            provider=provider,
            service=service,
            start=start,
            policy=policy,
            checker=checker,
            now=uow.now(),
        )
    reasons: Counter[Unavailability] = Counter()
    first_refused: dict[Unavailability, datetime] = {}
    for day in days:
        for candidate in checker.grid_starts(day):
            local = candidate.astimezone(tz).time()
            outside = (day_from is not None and local < day_from) or (
                day_until is not None and local >= day_until
            )
            if outside or not start <= candidate < end:
                continue
            reason = checker.unavailability(candidate) or Unavailability.TAKEN
            reasons[reason] += 1
            first_refused.setdefault(reason, candidate)
    if not reasons:
        return _not_working(provider, service, days, day_from, day_until)
    said = next(r for r in _FIRST_SAID if r in reasons) if len(reasons) > 1 else next(iter(reasons))
    if said is Unavailability.TAKEN:
        return SlotUnavailable(
            f"{provider.name} is fully booked {_span(days)}{_day_part(day_from, day_until)}.",
            reason=Unavailability.TAKEN.value,
        )
    if said is Unavailability.TIME_OFF:
        return SlotUnavailable(
            f"{provider.name} is away {_span(days)}.", reason=Unavailability.TIME_OFF.value
        )
    return explain(
        said,
        provider=provider,
        service=service,
        start=first_refused[said],
        policy=policy,
        checker=checker,
        now=uow.now(),
    )


def _checker(
    uow: UnitOfWork, provider: Provider, service: Service, start: datetime, end: datetime
) -> AvailabilityChecker:
    now = uow.now()
    calendars = load_calendars(uow.session, [provider], start=start, end=end, now=now)
    return AvailabilityChecker(
        calendars[provider.id],
        timedelta(minutes=service.duration_min),
        booking_window(practice(uow.session), now),
    )


def _local_days(start: datetime, end: datetime, tz: ZoneInfo) -> list[date]:
    first = start.astimezone(tz).date()
    last = (end - timedelta(microseconds=1)).astimezone(tz).date()
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def _not_working(
    provider: Provider,
    service: Service,
    days: list[date],
    day_from: time | None,
    day_until: time | None,
) -> SlotUnavailable:
    part = _day_part(day_from, day_until)
    return SlotUnavailable(
        f"{provider.name} has no {service.name} {_span(days)}{part}.",
        reason=Unavailability.CLOSED.value,
    )


def _span(days: list[date]) -> str:
    if len(days) == 1:
        return f"on {_day(days[0])}"
    return f"from {_day(days[0])} to {_day(days[-1])}"


def _day(day: date) -> str:
    return f"{day:%A} {day.day} {day:%B}"


NOON, EVENING = time(12), time(17)


def _day_part(day_from: time | None, day_until: time | None) -> str:
    """Name the part of the day searched as a client would ("in the afternoon")."""
    if day_from is not None and day_from >= EVENING:
        return " in the evening"
    if day_until is not None and day_until <= NOON and (day_from is None or day_from < NOON):
        return " in the morning"
    if day_from is not None and day_from >= NOON and day_until is not None and day_until <= EVENING:
        return " in the afternoon"
    if day_from is not None and day_until is not None:
        return f" between {day_from:%H:%M} and {day_until:%H:%M}"
    if day_from is not None:
        return f" after {day_from:%H:%M}"
    if day_until is not None:
        return f" before {day_until:%H:%M}"
    return ""
