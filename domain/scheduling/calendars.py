"""Loading provider calendars and the practice's booking window from the database.

A fixed number of queries serves any number of providers: one each for the schedule tables
and the bookings, filtered by provider id and time range.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from datetime import date, datetime, timedelta

from sqlalchemy import and_, or_
from sqlmodel import Session, col, select

from domain.kernel.timefmt import zone
from domain.kernel.uow import UnitOfWork
from domain.models import (
    PRACTICE_ROW_ID,
    Booking,
    BookingStatus,
    DateOverride,
    Practice,
    Provider,
    TimeOff,
    WeeklyHours,
)
from domain.scheduling.availability import BookingWindow, Interval, OpeningRange, ProviderCalendar

# Bookings and time off can start before the searched range and still overlap it.
_LOOKBEHIND = timedelta(days=2)


def practice(session: Session) -> Practice:
    """Return the practice's policies, or the defaults when no world set them.

    Read once per session: a use case asks several times and the row rarely changes.
    """
    if "practice" not in session.info:
        session.info["practice"] = session.get(Practice, PRACTICE_ROW_ID) or Practice()
    policy: Practice = session.info["practice"]
    return policy


def practice_policies(*, uow: UnitOfWork) -> Practice:
    """Return the practice's name, time zone and booking policies (the defaults if none set)."""
    with uow.reading() as reader:
        return practice(reader.session)


def booking_window(policy: Practice, now: datetime) -> BookingWindow:
    """Return the starts the policies allow to someone asking at `now`."""
    practice_zone = zone(policy.timezone)
    return BookingWindow(
        earliest=now + timedelta(minutes=policy.min_notice_minutes),
        last_day=now.astimezone(practice_zone).date() + timedelta(days=policy.max_advance_days),
        timezone=practice_zone,
    )


def load_calendars(
    session: Session,
    providers: Collection[Provider],
    *,
    start: datetime,
    end: datetime,
    now: datetime,
    ignore_booking_id: str | None = None,
) -> dict[str, ProviderCalendar]:
    """Build each provider's calendar for [start, end) in four queries, whatever their number."""
    ids = [provider.id for provider in providers]
    weekly = _weekly_hours(session, ids)
    overrides = _overrides(session, ids, start.date() - _LOOKBEHIND, end.date() + _LOOKBEHIND)
    time_off = _time_off(session, ids, start - _LOOKBEHIND, end + _LOOKBEHIND)
    busy = busy_intervals(
        session, ids, start - _LOOKBEHIND, end + _LOOKBEHIND, now, ignore_booking_id
    )
    return {
        provider.id: ProviderCalendar(
            timezone=zone(provider.timezone),
            weekly=weekly[provider.id],
            overrides=overrides[provider.id],
            time_off=time_off[provider.id],
            busy=busy[provider.id],
            buffer=timedelta(minutes=provider.buffer_min),
            step=timedelta(minutes=provider.slot_step_min),
        )
        for provider in providers
    }


def _weekly_hours(session: Session, ids: list[str]) -> dict[str, dict[int, list[OpeningRange]]]:
    rows = session.exec(
        select(WeeklyHours)
        .where(col(WeeklyHours.provider_id).in_(ids))
        .order_by(col(WeeklyHours.weekday), col(WeeklyHours.opens))
    )
    found: dict[str, dict[int, list[OpeningRange]]] = defaultdict(lambda: defaultdict(list))
    for row in rows:
        found[row.provider_id][row.weekday].append(OpeningRange(row.opens, row.closes))
    return found


def _overrides(
    session: Session, ids: list[str], first: date, last: date
) -> dict[str, dict[date, list[OpeningRange]]]:
    rows = session.exec(
        select(DateOverride)
        .where(col(DateOverride.provider_id).in_(ids))
        .where(col(DateOverride.day) >= first, col(DateOverride.day) <= last)
        .order_by(col(DateOverride.day), col(DateOverride.opens))
    )
    found: dict[str, dict[date, list[OpeningRange]]] = defaultdict(lambda: defaultdict(list))
    for row in rows:
        ranges = found[row.provider_id][row.day]  # touching the key marks the day as overridden
        if row.opens is not None and row.closes is not None:
            ranges.append(OpeningRange(row.opens, row.closes))
    return found


def _time_off(
    session: Session, ids: list[str], start: datetime, end: datetime
) -> dict[str, list[Interval]]:
    rows = session.exec(
        select(TimeOff)
        .where(col(TimeOff.provider_id).in_(ids))
        .where(col(TimeOff.starts_at) < end, col(TimeOff.ends_at) > start)
    )
    found: dict[str, list[Interval]] = defaultdict(list)
    for row in rows:
        found[row.provider_id].append((row.starts_at, row.ends_at))
    return found


def busy_intervals(
    session: Session,
    ids: list[str],
    start: datetime,
    end: datetime,
    now: datetime,
    ignore_booking_id: str | None,
) -> dict[str, list[Interval]]:
    # An expired hold frees its slot the moment it expires, whether or not its row says so yet.
    live_hold = and_(col(Booking.status) == BookingStatus.HOLD, col(Booking.hold_expires_at) > now)
    query = (
        select(Booking.provider_id, Booking.starts_at, Booking.blocked_until)
        .where(col(Booking.provider_id).in_(ids))
        .where(col(Booking.starts_at) < end, col(Booking.blocked_until) > start)
        .where(or_(col(Booking.status) == BookingStatus.CONFIRMED, live_hold))
    )
    if ignore_booking_id is not None:
        query = query.where(col(Booking.id) != ignore_booking_id)
    found: dict[str, list[Interval]] = defaultdict(list)
    for provider_id, starts_at, blocked_until in session.exec(query):
        found[provider_id].append((starts_at, blocked_until))
    return found
