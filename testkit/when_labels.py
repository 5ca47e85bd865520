"""Read the dates a client is shown ('tomorrow, 09:00', 'Thu 5 Mar, 08:00') back as wall times."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

LABEL = re.compile(
    r"(?P<day>today|tomorrow"
    r"|[A-Z][a-z]{2} (?P<dom>\d{1,2}) (?P<mon>[A-Z][a-z]{2})(?: (?P<year>\d{4}))?)"
    r", (?P<hh>\d{2}):(?P<mm>\d{2})(?: (?P<zone>[A-Z]{2,5}|[+-]\d{2,4}))?"
)


def label_wall_time(label: str, *, today: date) -> datetime:
    """Return the naive local start a label names, reading 'today' and a missing year from `today`.

    A label without a year is in `today`'s year; a weekday that does not fit its date fails.
    """
    found = LABEL.search(label)
    if found is None:
        raise ValueError(f"no date label in {label!r}")
    hour, minute = int(found["hh"]), int(found["mm"])
    if found["day"] in ("today", "tomorrow"):
        day = today + timedelta(days=found["day"] == "tomorrow")
    else:
        year = int(found["year"]) if found["year"] else today.year
        day = datetime.strptime(f"{found['dom']} {found['mon']} {year}", "%d %b %Y").date()
        if found["day"][:3] != f"{day:%a}":
            raise ValueError(f"{found['day']!r} is not a {day:%A}")
    return datetime(day.year, day.month, day.day, hour, minute)


def label_wall_times(text: str, *, today: date) -> list[datetime]:
    """Return the naive local start of every label in a text, in the order they are written."""
    return [label_wall_time(found.group(0), today=today) for found in LABEL.finditer(text)]


def label_zone(label: str) -> str | None:
    """Return the zone a label names ('EST'), or None when it names none."""
    found = LABEL.search(label)
    return found["zone"] if found else None
