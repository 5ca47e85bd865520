"""Free starts in one pass: candidate starts minus the starts that busy time or time off refuse.

A booking starting at s lasts until s + duration and keeps the provider for its buffer after
that; it may not overlap time off, and it may not overlap a busy interval (which carries its own
buffer) before its buffer ends. So a busy interval [b0, b1) refuses the open range of starts
(b0 - duration - buffer, b1), and time off [t0, t1) refuses (t0 - duration, t1). Those ranges
are merged once per calendar. The sorted candidate starts — one list shared by every provider who
keeps the same hours — are then cut at each refused range by bisection: the starts between two
ranges are free and are taken as one slice, never tested one by one.
"""

from __future__ import annotations

import itertools
from bisect import bisect_left, bisect_right
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta

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

    def free_among(self, starts: Sequence[datetime]) -> Iterator[datetime]:
        """Yield the starts (sorted, distinct) that no range refuses, in order."""
        return itertools.chain.from_iterable(self._free_slices(starts))

    def _free_slices(self, starts: Sequence[datetime]) -> Iterator[Sequence[datetime]]:
        kept_from, total = 0, len(starts)
        for low, high in zip(self._lows, self._highs, strict=True):
            # The range is open: a start at its low or its high is free.
            refused_from = bisect_right(starts, low, kept_from)
            if refused_from > kept_from:
                yield starts[kept_from:refused_from]
            if refused_from == total:
                return
            kept_from = bisect_left(starts, high, refused_from)
        if kept_from < total:
            yield starts[kept_from:]
