"""Free starts, computed as a pure function of a provider's calendar and the policies.

Everything is in UTC except opening hours, which are local wall times in the provider's zone:
a 09:00 opening is 09:00 local on both sides of a DST change. Each local day's hours become
runs of UTC starts once (`day_grid`), clipped to the notice, the window and the searched range;
free starts are those minus what busy time and time off refuse (`free_time`). Confirming
a start asks `unavailability`, which reads the same runs, so what was offered can be committed.
"""

from __future__ import annotations

import itertools
from bisect import bisect_left
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from functools import cached_property
from zoneinfo import ZoneInfo

from domain.models.bookings import occupied_until
from domain.scheduling.day_grid import (
    OpeningGrid,
    OpeningRange,
    StartRun,
    clip,
    last_start,
    opening_grid,
    runs_of,
    since_midnight,
    starts_in,
    steady_midnight,
)
from domain.scheduling.free_time import Interval, RefusedStarts

ONE_DAY = timedelta(days=1)
# No clock change moves local time by two hours or more, so a start this far from where the
# window's last day ends in UTC is surely inside or outside it; nearer ones are checked singly.
CLOCK_CHANGE_MARGIN = timedelta(hours=3)


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


@dataclass(frozen=True, slots=True)
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
        self._grids: dict[int | date, OpeningGrid] = {}

    @cached_property
    def _time_off(self) -> MergedIntervals:
        return MergedIntervals(self.calendar.time_off)

    @cached_property
    def _busy(self) -> MergedIntervals:
        return MergedIntervals(self.calendar.busy)

    @cached_property
    def _refused(self) -> RefusedStarts:
        calendar = self.calendar
        return RefusedStarts(
            busy=calendar.busy,
            time_off=calendar.time_off,
            duration=self.duration,
            buffer=calendar.buffer,
        )

    def day_runs(self, day: date) -> tuple[StartRun, ...]:
        """Return the UTC starts the hours and slot step offer on a local day, as sorted runs."""
        key: int | date = day if day in self.calendar.overrides else day.weekday()
        grid = self._grids.get(key)
        if grid is None:
            ranges = tuple(self.calendar.ranges_on(day))
            grid = self._grids[key] = opening_grid(ranges, self.calendar.step, self.duration)
        return grid.runs(self.calendar.timezone, day)

    def grid_starts(self, day: date) -> Iterator[datetime]:
        """Yield the UTC starts that the hours and slot step offer on a local day, in order."""
        for run in self.day_runs(day):
            yield from starts_in(run, self.calendar.step)

    def unavailability(self, start: datetime) -> Unavailability | None:
        """Return why a start cannot be booked, or None when it can."""
        local_day = start.astimezone(self.calendar.timezone).date()
        step = self.calendar.step
        if not any(
            first <= start
            and (start - first) % step == timedelta(0)
            and (start - first) < step * count
            for first, count in self.day_runs(local_day)
        ):
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
        if self._busy.overlaps(start, occupied_until(end, self.calendar.buffer)):
            return Unavailability.TAKEN
        return None

    def free_starts(self, start: datetime, end: datetime) -> list[datetime]:
        """Return every bookable start in [start, end), in order."""
        return list(self.iter_free_starts(start, end))

    def iter_free_starts(
        self,
        start: datetime,
        end: datetime,
        *,
        day_from: time | None = None,
        day_until: time | None = None,
    ) -> Iterator[datetime]:
        """Yield the bookable starts in [start, end), soonest first, computing as they are asked.

        `day_from` and `day_until` keep starts whose local time of day lies between them.
        """
        open_starts = self.open_starts(start, end, day_from=day_from, day_until=day_until)
        return self.free_starts_among(open_starts)

    def open_starts(
        self,
        start: datetime,
        end: datetime,
        *,
        day_from: time | None = None,
        day_until: time | None = None,
    ) -> list[datetime]:
        """Return, in order, the starts in [start, end) that the hours, slot step, notice, window
        and part of day allow: what busy time and time off may still refuse.

        They depend on neither, so calendars that keep the same hours share them.
        """
        tz = self.calendar.timezone
        lower = max(start, self.window.earliest)
        if end <= lower:
            return []
        first_day = lower.astimezone(tz).date()
        # A day's margin: the window's last day may belong to a zone ahead of the provider's.
        last_day = min(
            (end - timedelta(microseconds=1)).astimezone(tz).date(),
            self.window.last_day + ONE_DAY,
        )
        runs = self._candidate_runs(first_day, last_day, lower, end, day_from, day_until)
        step = self.calendar.step
        return list(itertools.chain.from_iterable(starts_in(run, step) for run in runs))

    def free_starts_among(self, open_starts: Sequence[datetime]) -> Iterator[datetime]:
        """Yield the open starts (as `open_starts` returns them) that busy time and time off
        leave free, in order."""
        return self._refused.free_among(open_starts)

    def _candidate_runs(
        self,
        first_day: date,
        last_day: date,
        lower: datetime,
        upper: datetime,
        day_from: time | None,
        day_until: time | None,
    ) -> Iterator[StartRun]:
        step = self.calendar.step
        window_zone = self.window.timezone or self.calendar.timezone
        past_window = datetime.combine(self.window.last_day + ONE_DAY, time(0), tzinfo=window_zone)
        surely_inside = min(upper, past_window.astimezone(UTC) - CLOCK_CHANGE_MARGIN)
        upper = min(upper, surely_inside + 2 * CLOCK_CHANGE_MARGIN)
        day = first_day
        while day <= last_day:
            runs = self._runs_in_day_part(day, day_from, day_until)
            day += ONE_DAY
            if not runs:
                continue
            if lower <= runs[0][0] and last_start(runs[-1], step) < surely_inside:
                yield from runs  # the whole day is inside every bound, as most days are
                continue
            for day_run in runs:
                run = clip(day_run, step, lower, upper)
                if run is None:
                    continue
                if last_start(run, step) < surely_inside:
                    yield run
                    continue
                last = self.window.last_day
                yield from runs_of(
                    (s for s in starts_in(run, step) if s.astimezone(window_zone).date() <= last),
                    step,
                )

    def _runs_in_day_part(
        self, day: date, day_from: time | None, day_until: time | None
    ) -> Sequence[StartRun]:
        runs = self.day_runs(day)
        if day_from is None and day_until is None:
            return runs
        tz, step = self.calendar.timezone, self.calendar.step
        midnight = steady_midnight(tz, day)
        if midnight is None:
            starts = (s for run in runs for s in starts_in(run, step))
            return runs_of((s for s in starts if _in_day_part(s, tz, day_from, day_until)), step)
        lower = midnight + (since_midnight(day_from) if day_from is not None else timedelta(0))
        upper = midnight + (since_midnight(day_until) if day_until is not None else ONE_DAY)
        return [part for run in runs if (part := clip(run, step, lower, upper)) is not None]


def _in_day_part(
    start: datetime, tz: ZoneInfo, day_from: time | None, day_until: time | None
) -> bool:
    """Tell whether a start's local time of day is at or after `day_from` and before `day_until`."""
    local = start.astimezone(tz).time()
    if day_from is not None and local < day_from:
        return False
    return day_until is None or local < day_until
