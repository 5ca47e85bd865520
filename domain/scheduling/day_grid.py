"""A local day's opening hours as runs of UTC starts, converted from wall time once per day.

A run is `count` starts, `step` apart, from `first`. On a day whose UTC offset holds from
midnight to midnight, each opening range is one run found by arithmetic: its UTC start is the
day's UTC midnight plus the opening's wall time. On a day the clocks change, the wall clock is
walked start by start — wall times that do not exist are skipped, a repeated one counts at its
first occurrence, and a start must end by closing in elapsed time — and the starts found are
grouped into runs afterwards.
"""

from __future__ import annotations

import itertools
import operator
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from domain.kernel.timefmt import wall_to_utc


@dataclass(frozen=True)
class OpeningRange:
    """Open from `opens` until `closes`, wall times in the provider's zone."""

    opens: time
    closes: time


StartRun = tuple[datetime, int]  # the first UTC start and how many follow it, `step` apart


@lru_cache(maxsize=8192)
def steady_midnight(tz: ZoneInfo, day: date) -> datetime | None:
    """Return a local day's midnight in UTC when its offset holds all day; None on a change day.

    Equal offsets at both midnights mean no change in between: no zone changes its offset
    twice within one day.
    """
    midnight = datetime.combine(day, time(0), tzinfo=tz)
    next_midnight = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz)
    if midnight.utcoffset() != next_midnight.utcoffset():
        return None
    return midnight.astimezone(UTC)


def walked_starts(
    tz: ZoneInfo, day: date, ranges: Iterable[OpeningRange], step: timedelta, duration: timedelta
) -> Iterator[datetime]:
    """Yield the UTC starts of a local day by walking each range's wall clock, in range order."""
    for opening in ranges:
        wall = datetime.combine(day, opening.opens)
        closing_wall = datetime.combine(day, opening.closes)
        # Fit is judged in elapsed time: on a DST day the wall clock gains or loses an hour.
        closing = closing_wall.replace(tzinfo=tz).astimezone(UTC)
        while wall < closing_wall:
            start = wall_to_utc(wall, tz)
            if start is not None and start + duration <= closing:
                yield start
            wall += step


def runs_of(starts: Iterable[datetime], step: timedelta) -> list[StartRun]:
    """Group sorted, distinct starts into runs of starts exactly `step` apart."""
    runs: list[StartRun] = []
    for start in starts:
        if runs and runs[-1][0] + step * runs[-1][1] == start:
            runs[-1] = (runs[-1][0], runs[-1][1] + 1)
        else:
            runs.append((start, 1))
    return runs


def since_midnight(wall: time) -> timedelta:
    seconds = wall.hour * 3600 + wall.minute * 60 + wall.second
    return timedelta(seconds=seconds, microseconds=wall.microsecond)


def _starts_fitting(opening: OpeningRange, step: timedelta, duration: timedelta) -> int:
    """Count the starts of a range on a steady day: each before closing, each ending by it."""
    span = since_midnight(opening.closes) - since_midnight(opening.opens)
    if span <= timedelta(0) or span < duration:
        return 0
    before_closing = -(-span // step)
    ending_by_closing = (span - duration) // step + 1
    return min(before_closing, ending_by_closing)


@lru_cache(maxsize=4096)
def opening_grid(
    ranges: tuple[OpeningRange, ...], step: timedelta, duration: timedelta
) -> OpeningGrid:
    """Return the grid of these hours, shared by every provider who keeps the same ones."""
    return OpeningGrid(ranges, step, duration)


class OpeningGrid:
    """One day's opening ranges, slot step and duration, ready to be laid on any date."""

    # Days laid out are kept for the next provider with these hours, up to this many.
    _REMEMBERED_DAYS = 1024

    def __init__(
        self, ranges: Sequence[OpeningRange], step: timedelta, duration: timedelta
    ) -> None:
        self.ranges = tuple(ranges)
        self.step = step
        self.duration = duration
        placed = sorted(
            (since_midnight(r.opens), _starts_fitting(r, step, duration)) for r in self.ranges
        )
        self._offsets = [(offset, count) for offset, count in placed if count]
        # Overlapping ranges may offer a start twice or interleave two grids: walk those days.
        self._disjoint = all(
            offset + step * (count - 1) < next_offset
            for (offset, count), (next_offset, _) in itertools.pairwise(self._offsets)
        )
        self._days: dict[tuple[ZoneInfo, date], tuple[StartRun, ...]] = {}

    def runs(self, tz: ZoneInfo, day: date) -> tuple[StartRun, ...]:
        """Return the day's starts as sorted runs that share no start."""
        key = (tz, day)
        found = self._days.get(key)
        if found is None:
            if len(self._days) >= self._REMEMBERED_DAYS:
                self._days.clear()
            found = self._days[key] = tuple(self._lay_out(tz, day))
        return found

    def _lay_out(self, tz: ZoneInfo, day: date) -> list[StartRun]:
        midnight = steady_midnight(tz, day) if self._disjoint else None
        if midnight is not None:
            return [(midnight + offset, count) for offset, count in self._offsets]
        walked = walked_starts(tz, day, self.ranges, self.step, self.duration)
        return runs_of(sorted(set(walked)), self.step)


def clip(run: StartRun, step: timedelta, lower: datetime, upper: datetime) -> StartRun | None:
    """Return the part of a run in [lower, upper), or None when nothing is left."""
    first, count = run
    skipped = max(0, -((first - lower) // step))
    stop = min(count, -((first - upper) // step))
    if stop <= skipped:
        return None
    return first + step * skipped, stop - skipped


def last_start(run: StartRun, step: timedelta) -> datetime:
    return run[0] + step * (run[1] - 1)


def starts_in(run: StartRun, step: timedelta) -> Iterator[datetime]:
    """Return an iterator over a run's starts that steps in C rather than in a Python loop."""
    first, count = run
    if count < 1:
        return iter(())
    return itertools.accumulate(itertools.repeat(step, count - 1), operator.add, initial=first)
