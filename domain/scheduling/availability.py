"""Free starts, computed as a pure function of a provider's calendar and the policies.

Everything is in UTC except opening hours, which are local wall times in the provider's zone:
a 09:00 opening is 09:00 local on both sides of a DST change. Offering a slot and confirming it
both go through `unavailability`, so what was offered is exactly what can be committed.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from domain.kernel.timefmt import wall_to_utc

Interval = tuple[datetime, datetime]


@dataclass(frozen=True)
class OpeningRange:
    opens: time
    closes: time


class Unavailability(StrEnum):
    CLOSED = "closed"  # not a start the provider's hours and slot step offer
    TOO_SOON = "too_soon"  # inside the minimum notice
    TOO_FAR = "too_far"  # beyond the maximum advance window
    TIME_OFF = "time_off"
    TAKEN = "taken"  # overlaps another hold or booking (buffers included)


@dataclass(frozen=True)
class BookingWindow:
    """Policy bounds on starts: not before `earliest`, not on a local day after `last_day`."""

    earliest: datetime
    last_day: date
    # The zone whose calendar `last_day` belongs to (the practice's); None: each provider's own.
    timezone: ZoneInfo | None = None


class MergedIntervals:
    """Sorted, merged intervals answering "does this interval overlap any?" in O(log n)."""

    def __init__(self, intervals: Sequence[Interval]) -> None:
        merged: list[list[datetime]] = []
        for start, end in sorted(intervals):
            if merged and start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        self._starts = [start for start, _ in merged]
        self._ends = [end for _, end in merged]

    def overlaps(self, start: datetime, end: datetime) -> bool:
        index = bisect_left(self._starts, end) - 1
        return index >= 0 and self._ends[index] > start


@dataclass(frozen=True)
class ProviderCalendar:
    """What decides a provider's free time; `busy` holds occupied intervals, buffers included."""

    timezone: ZoneInfo
    weekly: Mapping[int, Sequence[OpeningRange]]
    buffer: timedelta
    step: timedelta
    overrides: Mapping[date, Sequence[OpeningRange]] = field(default_factory=dict)
    time_off: Sequence[Interval] = ()
    busy: Sequence[Interval] = ()

    def ranges_on(self, day: date) -> Sequence[OpeningRange]:
        if day in self.overrides:
            return self.overrides[day]
        return self.weekly.get(day.weekday(), ())


class AvailabilityChecker:
    """Answers for one calendar and service duration; built once, asked many times."""

    def __init__(self, calendar: ProviderCalendar, duration: timedelta, window: BookingWindow):
        self.calendar = calendar
        self.duration = duration
        self.window = window
        self._time_off = MergedIntervals(calendar.time_off)
        self._busy = MergedIntervals(calendar.busy)

    def grid_starts(self, day: date) -> Iterator[datetime]:
        """Yield the UTC starts that the hours and slot step offer on a local day."""
        tz = self.calendar.timezone
        for opening in self.calendar.ranges_on(day):
            wall = datetime.combine(day, opening.opens)
            closing_wall = datetime.combine(day, opening.closes)
            # Fit is judged in elapsed time: on a DST day the wall clock gains or loses an hour.
            closing = closing_wall.replace(tzinfo=tz).astimezone(UTC)
            while wall < closing_wall:
                start = wall_to_utc(wall, tz)
                if start is not None and start + self.duration <= closing:
                    yield start
                wall += self.calendar.step

    def unavailability(self, start: datetime) -> Unavailability | None:
        """Return why a start cannot be booked, or None when it can."""
        local_day = start.astimezone(self.calendar.timezone).date()
        if start not in set(self.grid_starts(local_day)):
            return Unavailability.CLOSED
        return self._policy_or_conflict(start, local_day)

    def _policy_or_conflict(self, start: datetime, local_day: date) -> Unavailability | None:
        end = start + self.duration
        if start < self.window.earliest:
            return Unavailability.TOO_SOON
        if self.window.timezone is not None:
            local_day = start.astimezone(self.window.timezone).date()
        if local_day > self.window.last_day:
            return Unavailability.TOO_FAR
        if self._time_off.overlaps(start, end):
            return Unavailability.TIME_OFF
        if self._busy.overlaps(start, end + self.calendar.buffer):
            return Unavailability.TAKEN
        return None

    def free_starts(self, start: datetime, end: datetime) -> list[datetime]:
        """Return every bookable start in [start, end), in order."""
        tz = self.calendar.timezone
        first_day = max(start, self.window.earliest).astimezone(tz).date()
        # A day's margin: the window's last day may belong to a zone ahead of the provider's.
        last_day = min(
            (end - timedelta(microseconds=1)).astimezone(tz).date(),
            self.window.last_day + timedelta(days=1),
        )
        found: list[datetime] = []
        day = first_day
        while day <= last_day:
            for candidate in self.grid_starts(day):
                if start <= candidate < end and self._policy_or_conflict(candidate, day) is None:
                    found.append(candidate)
            day += timedelta(days=1)
        return sorted(set(found))  # overlapping opening ranges may offer a start twice
