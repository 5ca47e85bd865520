"""Busy intervals from iCalendar events: recurring ones expanded, all-day ones in the
provider's zone, free (transparent) and cancelled ones left out, tentative ones as configured.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import recurring_ical_events
from icalendar import Calendar, Event

Interval = tuple[datetime, datetime]


class UnreadableCalendar(ValueError):
    """Text that is not an iCalendar calendar."""


def parse_calendars(texts: Iterable[str | bytes]) -> list[Calendar]:
    """Parse iCalendar texts (a feed, or one CalDAV resource each)."""
    parsed: list[Calendar] = []
    for text in texts:
        try:
            parsed.extend(Calendar.from_ical(text, multiple=True))
        except ValueError as exc:
            raise UnreadableCalendar(f"Not an iCalendar file: {exc}") from exc
    return parsed


def busy_intervals(
    calendars: Iterable[Calendar],
    *,
    start: datetime,
    end: datetime,
    zone: ZoneInfo,
    count_tentative: bool,
) -> list[Interval]:
    """Return, sorted, the UTC intervals the events keep busy that overlap [start, end)."""
    found: set[Interval] = set()
    for calendar in calendars:
        for event in recurring_ical_events.of(calendar).between(start, end):
            if not _blocks(event, count_tentative=count_tentative):
                continue
            interval = _span(event, zone)
            if interval is not None and interval[0] < end and interval[1] > start:
                found.add(interval)
    return sorted(found)


def _blocks(event: Event, *, count_tentative: bool) -> bool:
    if str(event.get("TRANSP", "OPAQUE")).upper() == "TRANSPARENT":
        return False
    status = str(event.get("STATUS", "CONFIRMED")).upper()
    if status == "CANCELLED":
        return False
    return count_tentative or status != "TENTATIVE"


def _span(event: Any, zone: ZoneInfo) -> Interval | None:  # icalendar's values are untyped
    starts = event.get("DTSTART")
    if starts is None:
        return None
    first = starts.dt
    ends = event.get("DTEND")
    if ends is not None:
        last = ends.dt
    elif event.get("DURATION") is not None:
        last = first + event["DURATION"].dt
    else:
        # RFC 5545: a day without an end lasts the day; a moment without one takes no time.
        last = first + timedelta(days=1) if _is_day(first) else first
    since, until = _instant(first, zone), _instant(last, zone)
    return (since, until) if until > since else None


def _is_day(value: date | datetime) -> bool:
    return not isinstance(value, datetime)


def _instant(value: date | datetime, zone: ZoneInfo) -> datetime:
    """A UTC instant: a date is its midnight in the provider's zone, floating time is theirs."""
    if not isinstance(value, datetime):
        value = datetime.combine(value, time(0))
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone)
    return value.astimezone(UTC)
