"""Local-time conversions and formatting shared by services and messages."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from domain.kernel.errors import InvalidInput


def zone(name: str) -> ZoneInfo:
    """Return the IANA time zone, or refuse the name clearly."""
    try:
        return ZoneInfo(name)
    # OSError: a directory of zones, such as 'Europe', reaches the filesystem as a file.
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        raise InvalidInput(f"Unknown time zone {name!r}.") from exc


def wall_to_utc(wall: datetime, tz: ZoneInfo) -> datetime | None:
    """Convert a naive local wall time to UTC; None when the wall time does not exist (DST gap)."""
    instant = wall.replace(tzinfo=tz).astimezone(UTC)
    if instant.astimezone(tz).replace(tzinfo=None) != wall:
        return None
    return instant


def local_wall_to_utc(wall: datetime, tz: ZoneInfo) -> datetime:
    """Convert a local wall time that must exist to UTC, refusing times inside a DST gap."""
    instant = wall_to_utc(wall, tz)
    if instant is None:
        raise InvalidInput(f"{wall:%Y-%m-%d %H:%M} does not exist in {tz.key} (clocks change).")
    return instant


def day_bounds_utc(day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """Return the UTC instants where a local day starts and the next one starts."""
    start = datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)
    end = datetime.combine(date.fromordinal(day.toordinal() + 1), time(0), tzinfo=tz)
    return start, end.astimezone(UTC)


def format_local(instant: datetime, tz: ZoneInfo) -> str:
    """Format an instant as a person reads it in the given zone: 'Tue 3 Mar 2026, 14:30'."""
    local = instant.astimezone(tz)
    return f"{local:%a} {local.day} {local:%b %Y}, {local:%H:%M}"


def format_when(
    instant: datetime, tz: tzinfo, *, now: datetime, home: ZoneInfo | None = None
) -> str:
    """Format an instant as a client reads it in a chat, from `now` on the practice's clock.

    'today, 14:30', 'tomorrow, 09:00', 'Tue 3 Mar, 14:30', and the year only outside the
    current one: 'Tue 2 Mar 2027, 14:30'. A zone other than the practice's (`home`) is named:
    'tomorrow, 09:00 EST'; without `home` the zone is the reader's own.
    """
    local = instant.astimezone(tz)
    today = now.astimezone(tz).date()
    if local.date() == today:
        day = "today"
    elif local.date() == date.fromordinal(today.toordinal() + 1):
        day = "tomorrow"
    elif local.year == today.year:
        day = f"{local:%a} {local.day} {local:%b}"
    else:
        day = f"{local:%a} {local.day} {local:%b %Y}"
    shown = f"{day}, {local:%H:%M}"
    if home is None or getattr(tz, "key", None) == home.key:
        return shown
    return f"{shown} {local:%Z}"


def on_day(when: str) -> str:
    """Put 'on' before a day `format_when` made: 'on Thu 5 Mar, 08:00', but 'tomorrow, 08:00'."""
    return when if when.startswith(("today", "tomorrow")) else f"on {when}"
