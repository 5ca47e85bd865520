"""Offered times: which to show, which one a client picks, and how to search for more."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, time, timedelta
from typing import Any

from agent.choices import Slot, shown_slots
from agent.offline.when import When

SEARCH_DAYS = 7
STARTS_PER_PROVIDER = 40  # enough to pick any time of the searched days, not only those shown
_PARTS_OF_DAY = {
    (None, "12:00"): "in the morning",
    ("12:00", "17:00"): "in the afternoon",
    ("17:00", None): "in the evening",
}


def pick_slot(
    offer: Sequence[Slot], when: When, position: int | None, *, prefer_day: date | None = None
) -> Slot | None:
    """Return the offered start a client picks by position or by time; None if none fits."""
    if not offer:
        return None
    if position is not None:
        shown = shown_slots(offer)
        index = position - 1 if position > 0 else len(shown) + position
        if 0 <= index < len(shown):
            return shown[index]
        if when.at is not None or not 0 < position < 24:
            return None
        # "10" among three choices is no position: it is the hour of one of them, morning or
        # afternoon ("3" is 15:00 where 03:00 is offered to nobody).
        hours = {time(position), *([time(position + 12)] if position < 12 else [])}
        return next((slot for slot in shown if slot.starts_at.time() in hours), None)
    if when.at is None:
        return None
    fitting = [
        slot
        for slot in offer
        if slot.starts_at.time() == when.at
        and (when.day is None or slot.starts_at.date() == when.day)
    ]
    # "Make it 11" while a day is on the table means 11 on that day.
    on_preferred = [slot for slot in fitting if slot.starts_at.date() == prefer_day]
    shown = [slot for slot in fitting if slot in shown_slots(offer)]
    return next(iter(on_preferred or shown or fitting), None)


def slot_args(
    provider_id: str | None, service_id: str | None, when: When, *, today: date
) -> dict[str, Any]:
    """Return check_slots arguments for a provider's service at the time a client asked for."""
    first = when.day or today
    days = when.span_days if when.day else SEARCH_DAYS
    args: dict[str, Any] = {
        "date_from": first.isoformat(),
        "date_to": (first + timedelta(days=days - 1)).isoformat(),
        "limit": STARTS_PER_PROVIDER,
    }
    if provider_id:
        args["provider_id"] = provider_id
    if service_id:
        args["service_id"] = service_id
    if when.day_from:
        args["day_from"] = when.day_from.strftime("%H:%M")
    if when.day_until:
        args["day_until"] = when.day_until.strftime("%H:%M")
    if when.at:
        args["at"] = when.at.strftime("%H:%M")
    return args


def days_after(args: dict[str, Any]) -> dict[str, Any]:
    """Return the same search over the week after the days it looked at."""
    last_day = date.fromisoformat(args.get("date_to") or args["date_from"])
    return {
        **{key: value for key, value in args.items() if key != "at"},
        "date_from": (last_day + timedelta(days=1)).isoformat(),
        "date_to": (last_day + timedelta(days=SEARCH_DAYS)).isoformat(),
    }


def any_time_of_day(args: dict[str, Any]) -> dict[str, Any]:
    """Return the same search over a whole week from its first day, at any time of day."""
    first = date.fromisoformat(args["date_from"])
    wider = {key: value for key, value in args.items() if key not in ("day_from", "day_until")}
    return {**wider, "date_to": (first + timedelta(days=SEARCH_DAYS - 1)).isoformat()}


def has_time_of_day(args: dict[str, Any]) -> bool:
    return bool(args.get("day_from") or args.get("day_until"))


def describe_search(args: dict[str, Any]) -> str:
    """Say in words which days and hours a search covered: 'on Monday 9 March after 15:00'."""
    first = date.fromisoformat(args["date_from"])
    last = date.fromisoformat(args.get("date_to") or args["date_from"])
    if first == last:
        days = f"on {first:%A} {first.day} {first:%B}"
    else:
        days = f"between {first:%A} {first.day} {first:%B} and {last:%A} {last.day} {last:%B}"
    window = (args.get("day_from"), args.get("day_until"))
    if window == (None, None):
        return days
    hours = _PARTS_OF_DAY.get(window) or _between(*window)
    return f"{days} {hours}"


def _between(start: str | None, end: str | None) -> str:
    if start and end:
        return f"between {start} and {end}"
    return f"after {start}" if start else f"before {end}"
