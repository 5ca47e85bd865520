"""The slot search as it was before issue 14, kept as the baseline the benchmark measures against.

It walks every candidate start on the wall clock, converts each to UTC on its own (about 2 µs a
candidate) and checks it against the policies and busy intervals one by one. It reads the same
calendars as the search it is compared with, so the two differ only in how they compute.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

from sqlmodel import col, select

from domain.kernel.timefmt import wall_to_utc
from domain.kernel.uow import UnitOfWork
from domain.models import Provider, ProviderService, Service
from domain.scheduling.availability import BookingWindow, MergedIntervals, ProviderCalendar
from domain.scheduling.calendars import booking_window, load_calendars, practice


def search_category(
    *, uow: UnitOfWork, category_id: str, start: datetime, end: datetime
) -> dict[str, list[datetime]]:
    """Return each provider's free starts for the category's services, candidate by candidate."""
    with uow.reading() as reader:
        pairs = list(
            reader.session.exec(
                select(Provider, Service)
                .join(ProviderService, col(ProviderService.provider_id) == col(Provider.id))
                .join(Service, col(Service.id) == col(ProviderService.service_id))
                .where(col(Service.category_id) == category_id)
            )
        )
        now = reader.now()
        window = booking_window(practice(reader.session), now)
        calendars = load_calendars(
            reader.session, [p for p, _ in pairs], start=start, end=end, now=now
        )
    return {
        provider.id: per_candidate_starts(
            calendars[provider.id], timedelta(minutes=service.duration_min), window, start, end
        )
        for provider, service in pairs
    }


def per_candidate_starts(
    calendar: ProviderCalendar,
    duration: timedelta,
    window: BookingWindow,
    start: datetime,
    end: datetime,
) -> list[datetime]:
    """Return every bookable start in [start, end), judging each candidate on its own."""
    time_off, busy = MergedIntervals(calendar.time_off), MergedIntervals(calendar.busy)
    tz = calendar.timezone
    first_day = max(start, window.earliest).astimezone(tz).date()
    last_day = min(
        (end - timedelta(microseconds=1)).astimezone(tz).date(),
        window.last_day + timedelta(days=1),
    )
    found: list[datetime] = []
    day = first_day
    while day <= last_day:
        for candidate in _grid_starts(calendar, duration, day):
            if not start <= candidate < end or candidate < window.earliest:
                continue
            local_day = candidate.astimezone(window.timezone or tz).date()
            ends = candidate + duration
            if (
                local_day <= window.last_day
                and not time_off.overlaps(candidate, ends)
                and not busy.overlaps(candidate, ends + calendar.buffer)
            ):
                found.append(candidate)
        day += timedelta(days=1)
    return sorted(set(found))


def _grid_starts(calendar: ProviderCalendar, duration: timedelta, day: date) -> Iterator[datetime]:
    tz = calendar.timezone
    for opening in calendar.ranges_on(day):
        wall = datetime.combine(day, opening.opens)
        closing_wall = datetime.combine(day, opening.closes)
        closing = closing_wall.replace(tzinfo=tz).astimezone(UTC)
        while wall < closing_wall:
            candidate = wall_to_utc(wall, tz)
            if candidate is not None and candidate + duration <= closing:
                yield candidate
            wall += calendar.step
