"""Free starts in one pass: candidate runs minus the starts that busy time or time off refuse.

A booking starting at s lasts until s + duration and keeps the provider for its buffer after
that; it may not overlap time off, and it may not overlap a busy interval (which carries its own
buffer) before its buffer ends. So a busy interval [b0, b1) refuses the open range of starts
(b0 - duration - buffer, b1), and time off [t0, t1) refuses (t0 - duration, t1). Those ranges
are merged once per calendar; the sorted runs of candidate starts are then walked with a single
pointer into them, skipping a refused range by arithmetic instead of start by start.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime, timedelta

from domain.scheduling.day_grid import StartRun

Interval = tuple[datetime, datetime]


class RefusedStarts:
    """The starts that busy time or time off refuse, as sorted, disjoint open ranges."""

    def __init__(
        self,
        *,
        busy: Sequence[Interval],
        time_off: Sequence[Interval],
        duration: timedelta,
        buffer: timedelta,
    ) -> None:
        reach = duration + buffer
        ranges = [(start - reach, end) for start, end in busy]
        ranges += [(start - duration, end) for start, end in time_off]
        ranges.sort()
        lows: list[datetime] = []
        highs: list[datetime] = []
        for low, high in ranges:
            if low >= high:
                continue
            # Open ranges that only touch leave their shared end free, so they stay apart.
            if highs and low < highs[-1]:
                highs[-1] = max(highs[-1], high)
            else:
                lows.append(low)
                highs.append(high)
        self._lows = lows
        self._highs = highs

    def free_runs(self, runs: Iterable[StartRun], step: timedelta) -> Iterator[StartRun]:
        """Yield the parts of runs (sorted, sharing no start) that no range refuses, in order."""
        lows, highs = self._lows, self._highs
        total = len(lows)
        ahead = 0  # the first refused range that may still hold a start: every earlier one ended
        for first, count in runs:
            index = 0
            while index < count:
                start = first + step * index
                while ahead < total and highs[ahead] <= start:
                    ahead += 1
                if ahead < total and lows[ahead] < start:
                    index = -((first - highs[ahead]) // step)  # the first start at or past its end
                    continue
                stop = count
                if ahead < total:
                    stop = min(count, (lows[ahead] - first) // step + 1)
                yield start, stop - index
                index = stop
