"""The fast free-start search finds exactly what judging every candidate on its own finds.

The reference below is the rule as the specification states it, with nothing precomputed: walk
each opening range on the wall clock one step at a time, skip wall times that do not exist, take
a repeated one at its first occurrence, keep a start that ends by closing in elapsed time, then
check notice, the window's last day, time off and bookings (buffers included) one by one.
Calendars are drawn at random around the clock changes of Europe/Berlin and America/Toronto,
with breaks, overrides, time off, bookings, minimum notice, the booking window and parts of day,
from fixed seeds so that a failure names the case that reproduces it.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from itertools import islice
from zoneinfo import ZoneInfo

import pytest

from domain.scheduling.availability import (
    AvailabilityChecker,
    BookingWindow,
    ProviderCalendar,
)
from domain.scheduling.day_grid import OpeningRange
from domain.scheduling.free_time import Interval

BERLIN = ZoneInfo("Europe/Berlin")
TORONTO = ZoneInfo("America/Toronto")
CLOCK_CHANGES = {
    BERLIN: [date(2026, 3, 29), date(2026, 10, 25)],
    TORONTO: [date(2026, 3, 8), date(2026, 11, 1)],
}
WINDOW_ZONES = [None, BERLIN, TORONTO, ZoneInfo("UTC"), ZoneInfo("Asia/Tokyo")]


@dataclass(frozen=True)
class Case:
    calendar: ProviderCalendar
    duration: timedelta
    window: BookingWindow
    start: datetime
    end: datetime
    day_from: time | None
    day_until: time | None

    def checker(self) -> AvailabilityChecker:
        return AvailabilityChecker(self.calendar, self.duration, self.window)


# --- the reference -------------------------------------------------------------------------------


def reference_grid(calendar: ProviderCalendar, duration: timedelta, day: date) -> set[datetime]:
    """Every start the hours and step offer on a local day, each converted on its own."""
    tz = calendar.timezone
    found = set()
    for opening in calendar.ranges_on(day):
        wall = datetime.combine(day, opening.opens)
        closing_wall = datetime.combine(day, opening.closes)
        closing = closing_wall.replace(tzinfo=tz).astimezone(UTC)
        while wall < closing_wall:
            instant = wall.replace(tzinfo=tz).astimezone(UTC)
            exists = instant.astimezone(tz).replace(tzinfo=None) == wall
            if exists and instant + duration <= closing:
                found.add(instant)
            wall += calendar.step
    return found


def overlaps(intervals: Sequence[Interval], start: datetime, end: datetime) -> bool:
    return any(begin < end and finish > start for begin, finish in intervals)


def bookable(case: Case, start: datetime) -> bool:
    calendar, window = case.calendar, case.window
    local_day = start.astimezone(calendar.timezone).date()
    if start not in reference_grid(calendar, case.duration, local_day):
        return False
    if start < window.earliest:
        return False
    if start.astimezone(window.timezone or calendar.timezone).date() > window.last_day:
        return False
    end = start + case.duration
    if overlaps(calendar.time_off, start, end):
        return False
    return not overlaps(calendar.busy, start, end + calendar.buffer)


def in_day_part(case: Case, start: datetime) -> bool:
    local = start.astimezone(case.calendar.timezone).time()
    if case.day_from is not None and local < case.day_from:
        return False
    return case.day_until is None or local < case.day_until


def reference_free_starts(case: Case) -> list[datetime]:
    tz = case.calendar.timezone
    day = case.start.astimezone(tz).date() - timedelta(days=1)
    candidates: set[datetime] = set()
    while day <= case.end.astimezone(tz).date() + timedelta(days=1):
        candidates |= reference_grid(case.calendar, case.duration, day)
        day += timedelta(days=1)
    return sorted(
        s
        for s in candidates
        if case.start <= s < case.end and in_day_part(case, s) and bookable(case, s)
    )


# --- random calendars ----------------------------------------------------------------------------


def minutes(value: int) -> timedelta:
    return timedelta(minutes=value)


def opening_ranges(rng: random.Random) -> list[OpeningRange]:
    """Up to three ranges, often in the small hours when clocks change, sometimes overlapping."""
    ranges = []
    for _ in range(rng.choice([0, 1, 1, 2, 2, 3])):
        opens = rng.choice([0, 30, 60, 90, 120, 150, 180, 480, 540, 780, 1020]) + rng.choice([0, 5])
        closes = min(opens + rng.choice([20, 60, 120, 180, 300]) + 5 * rng.randint(0, 12), 1439)
        ranges.append(OpeningRange(time(opens // 60, opens % 60), time(closes // 60, closes % 60)))
    return ranges


def bookings(
    rng: random.Random, calendar: ProviderCalendar, first_day: date, durations: Sequence[int]
) -> list[Interval]:
    """Bookings as the practice makes them: on offered starts, for a service plus the buffer,
    so that one's buffer often ends exactly where the next begins; a few at odd seconds."""
    offered = sorted(
        set().union(
            *(reference_grid(calendar, minutes(5), first_day + timedelta(n)) for n in range(8))
        )
    )
    found = []
    for _ in range(rng.randint(0, 25) if offered else 0):
        begin = rng.choice(offered)
        if rng.random() < 0.2:
            begin += timedelta(seconds=rng.randint(-3600, 3600))
        found.append((begin, begin + minutes(rng.choice(durations)) + calendar.buffer))
    return found


def time_off(rng: random.Random, around: datetime) -> list[Interval]:
    found = []
    for _ in range(rng.choice([0, 0, 1, 2])):
        begin = around + minutes(5 * rng.randint(-288, 6 * 288))
        found.append((begin, begin + minutes(rng.choice([30, 60, 240, 24 * 60, 36 * 60]))))
    return found


def random_case(seed: int) -> Case:
    rng = random.Random(seed)
    tz = rng.choice([BERLIN, TORONTO])
    base_day = rng.choice(CLOCK_CHANGES[tz]) + timedelta(days=rng.randint(-3, 3))
    base = datetime.combine(base_day, time(0), tzinfo=tz).astimezone(UTC)
    durations = [5, 15, 20, 30, 45, 60, 90, 120]
    duration = rng.choice(durations)
    hours = ProviderCalendar(
        timezone=tz,
        weekly={weekday: opening_ranges(rng) for weekday in range(7)},
        buffer=minutes(rng.choice([0, 5, 10, 15])),
        step=minutes(rng.choice([5, 10, 15, 20, 30, 45, 60])),
        overrides={
            base_day + timedelta(days=n): opening_ranges(rng)
            for n in rng.sample(range(-3, 6), rng.randint(0, 3))
        },
    )
    calendar = replace(
        hours,
        time_off=time_off(rng, base),
        busy=bookings(rng, hours, base_day - timedelta(days=2), durations),
    )
    window = BookingWindow(
        earliest=base + timedelta(seconds=rng.randint(-86400, 86400)),
        last_day=base_day + timedelta(days=rng.randint(0, 5)),
        timezone=rng.choice(WINDOW_ZONES),
    )
    start = base + timedelta(seconds=rng.randint(-86400, 86400))
    day_from, day_until = rng.choice(
        [(None, None), (None, None), (time(2), None), (None, time(3)), (time(1, 30), time(10))]
    )
    return Case(
        calendar=calendar,
        duration=minutes(duration),
        window=window,
        start=start,
        end=start + timedelta(seconds=rng.choice([rng.randint(1, 6 * 86400), 6 * 86400])),
        day_from=day_from,
        day_until=day_until,
    )


SEEDS = range(300)


@pytest.mark.parametrize("seed", SEEDS)
def test_free_starts_are_exactly_the_starts_judged_one_by_one(seed: int) -> None:
    case = random_case(seed)

    found = case.checker().iter_free_starts(
        case.start, case.end, day_from=case.day_from, day_until=case.day_until
    )

    assert list(found) == reference_free_starts(case)


@pytest.mark.parametrize("seed", SEEDS[:100])
def test_a_limit_keeps_the_soonest_starts(seed: int) -> None:
    case = random_case(seed)
    limit = random.Random(seed).randint(1, 12)

    found = case.checker().iter_free_starts(
        case.start, case.end, day_from=case.day_from, day_until=case.day_until
    )

    assert list(islice(found, limit)) == reference_free_starts(case)[:limit]


@pytest.mark.parametrize("seed", SEEDS[:100])
def test_confirming_accepts_exactly_the_starts_judged_bookable(seed: int) -> None:
    case = random_case(seed)
    checker = case.checker()
    day = case.start.astimezone(case.calendar.timezone).date()
    grid = set().union(
        *(reference_grid(case.calendar, case.duration, day + timedelta(days=n)) for n in range(7))
    )
    rng = random.Random(seed)
    instants = grid | {case.start + timedelta(seconds=rng.randint(0, 8 * 86400)) for _ in range(40)}

    for instant in sorted(instants):
        assert (checker.unavailability(instant) is None) == bookable(case, instant), instant
