"""Open starts laid out once per distinct hours, for a search over many providers.

Providers mostly keep the same few weeks of hours, and `calendars` gives every provider with the
same week one shared mapping (and every provider without date overrides one shared empty one),
so a calendar's mappings tell which providers' open starts are the same: a search of a thousand
providers lays out a handful of weeks over its range instead of a thousand.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from domain.scheduling.availability import AvailabilityChecker, BookingWindow, ProviderCalendar

_HoursKey = tuple[ZoneInfo, int, int, timedelta, timedelta]


class SharedOpenStarts:
    """The open starts of one search range, computed once per zone, hours, step and duration."""

    def __init__(
        self,
        *,
        window: BookingWindow,
        start: datetime,
        end: datetime,
        day_from: time | None = None,
        day_until: time | None = None,
    ) -> None:
        self.window = window
        self.start = start
        self.end = end
        self.day_from = day_from
        self.day_until = day_until
        # Each entry keeps the calendar it was computed from, so the mappings whose ids make its
        # key stay alive and no other mapping can take those ids while this object is used.
        self._found: dict[_HoursKey, tuple[ProviderCalendar, Sequence[datetime]]] = {}

    def of(self, calendar: ProviderCalendar, duration: timedelta) -> Sequence[datetime]:
        """Return the calendar's open starts for a service of this duration (`open_starts`)."""
        key = (
            calendar.timezone,
            id(calendar.weekly),
            id(calendar.overrides),
            calendar.step,
            duration,
        )
        entry = self._found.get(key)
        if entry is None:
            checker = AvailabilityChecker(calendar, duration, self.window)
            starts = checker.open_starts(
                self.start, self.end, day_from=self.day_from, day_until=self.day_until
            )
            entry = self._found[key] = (calendar, tuple(starts))
        return entry[1]
