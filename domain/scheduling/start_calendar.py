"""The rows that decide whether one start is free, read in one statement.

Holding, confirming and moving ask about a single start, which depends only on its local day's
hours (that day's override, or its weekday's hours), the time off it would overlap and the
bookings and external busy time (the provider's own calendars) its occupied span would
overlap. A calendar of just those rows answers exactly as one loaded for whole days around the
start would, in one round trip instead of four.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import String, Time, and_, bindparam, case, cast, literal_column, null, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import BindParameter
from sqlmodel import col

from domain.kernel.timefmt import zone
from domain.models import (
    Booking,
    BookingStatus,
    DateOverride,
    ExternalBusy,
    TimeOff,
    WeeklyHours,
    occupies,
)
from domain.models.types import UTCDateTime
from domain.scheduling.availability import ProviderCalendar
from domain.scheduling.calendars import ProviderHours
from domain.scheduling.day_grid import OpeningRange
from domain.scheduling.free_time import Interval

WEEKLY, OVERRIDE, TIME_OFF, BUSY = "weekly", "override", "time_off", "busy"
# A hold past its expiry whose row still says hold: free by availability, but the PostgreSQL
# exclusion constraint (which cannot look at the clock) needs it marked expired first.
STALE = "stale"
# No booking has an empty id: "ignore none" without a NULL parameter PostgreSQL cannot type.
NO_BOOKING = ""


def _kind(name: str) -> Any:
    return literal_column(f"'{name}'", String)


# Typed NULLs: PostgreSQL types a UNION's columns pairwise and cannot match text with time.
def _no_instant() -> Any:
    return cast(null(), UTCDateTime())


def _no_time() -> Any:
    return cast(null(), Time())


_PROVIDER: BindParameter[str] = bindparam("provider_id")
_START: BindParameter[datetime] = bindparam("start", type_=UTCDateTime())
_END: BindParameter[datetime] = bindparam("end", type_=UTCDateTime())
_UNTIL: BindParameter[datetime] = bindparam("until", type_=UTCDateTime())
# Built once: the statement is the same for every start, only its parameters change.
_ROWS_FOR_START = (
    select(  # the first branch names the columns
        _kind(WEEKLY).label("kind"),
        col(WeeklyHours.opens).label("opens"),
        col(WeeklyHours.closes).label("closes"),
        _no_instant().label("starts_at"),
        _no_instant().label("ends_at"),
    )
    .where(col(WeeklyHours.provider_id) == _PROVIDER)
    .where(col(WeeklyHours.weekday) == bindparam("weekday"))
    .union_all(
        select(
            _kind(OVERRIDE),
            col(DateOverride.opens),
            col(DateOverride.closes),
            _no_instant(),
            _no_instant(),
        )
        .where(col(DateOverride.provider_id) == _PROVIDER)
        .where(col(DateOverride.day) == bindparam("day")),
        select(
            _kind(TIME_OFF), _no_time(), _no_time(), col(TimeOff.starts_at), col(TimeOff.ends_at)
        )
        .where(col(TimeOff.provider_id) == _PROVIDER)
        .where(col(TimeOff.starts_at) < _END, col(TimeOff.ends_at) > _START),
        select(
            # An expired hold frees its slot the moment it expires, whatever its row says: it
            # is read as stale (not busy), so a hold knows whether any need expiring first.
            case(
                (
                    and_(
                        col(Booking.status) == BookingStatus.HOLD,
                        col(Booking.hold_expires_at) <= bindparam("now"),
                    ),
                    _kind(STALE),
                ),
                else_=_kind(BUSY),
            ),
            _no_time(),
            _no_time(),
            col(Booking.starts_at),
            col(Booking.blocked_until),
        )
        .where(col(Booking.provider_id) == _PROVIDER)
        .where(occupies(_START, _UNTIL))
        .where(
            or_(  # not IN: that renders at execution, and the hold's read is compiled once
                col(Booking.status) == BookingStatus.CONFIRMED,
                col(Booking.status) == BookingStatus.HOLD,
            )
        )
        .where(col(Booking.id) != bindparam("ignore_booking_id")),
        # The provider's own calendars, as the last sync cached them: busy like a booking.
        select(
            _kind(BUSY),
            _no_time(),
            _no_time(),
            col(ExternalBusy.starts_at),
            col(ExternalBusy.ends_at),
        )
        .where(col(ExternalBusy.provider_id) == _PROVIDER)
        .where(col(ExternalBusy.starts_at) < _UNTIL, col(ExternalBusy.ends_at) > _START),
    )
)


# The same rows as a subquery, for a caller reading them in one statement with its own.
ROWS_FOR_START = _ROWS_FOR_START.subquery("rows_for_start")


@dataclass(frozen=True, slots=True)
class StartShape:
    """What decides which rows matter to a start: the provider's zone, buffer and step, and
    the appointment's length."""

    timezone: str
    buffer_min: int
    slot_step_min: int
    duration_min: int


def shape_of(provider: ProviderHours, duration_min: int) -> StartShape:
    return StartShape(provider.timezone, provider.buffer_min, provider.slot_step_min, duration_min)


def rows_for_start_parameters(
    shape: StartShape,
    *,
    provider_id: str,
    start: datetime,
    now: datetime,
    ignore_booking_id: str | None,
) -> dict[str, Any]:
    """Return the parameters that `ROWS_FOR_START` reads a start's rows with."""
    local_day = start.astimezone(zone(shape.timezone)).date()
    end = start + timedelta(minutes=shape.duration_min)
    return {
        "provider_id": provider_id,
        "weekday": local_day.weekday(),
        "day": local_day,
        "start": start,
        "end": end,
        "until": end + timedelta(minutes=shape.buffer_min),
        "now": now,
        "ignore_booking_id": ignore_booking_id or NO_BOOKING,
    }


def calendar_from_rows(
    rows: Iterable[Sequence[Any]], shape: StartShape, start: datetime
) -> ProviderCalendar:
    """Build the calendar from rows of (kind, opens, closes, starts_at, ends_at); a row whose
    kind is None (an outer join that found none) or STALE is skipped."""
    tz = zone(shape.timezone)
    local_day = start.astimezone(tz).date()
    weekly: list[OpeningRange] = []
    overrides: dict[date, list[OpeningRange]] = {}
    time_off: list[Interval] = []
    busy: list[Interval] = []
    for kind, opens, closes, starts_at, ends_at in rows:
        if kind == WEEKLY:
            weekly.append(OpeningRange(opens, closes))
        elif kind == OVERRIDE:
            ranges = overrides.setdefault(local_day, [])  # a row without times closes the day
            if opens is not None and closes is not None:
                ranges.append(OpeningRange(opens, closes))
        elif kind == TIME_OFF:
            time_off.append((starts_at, ends_at))
        elif kind == BUSY:
            busy.append((starts_at, ends_at))
    return ProviderCalendar(
        timezone=tz,
        weekly=_week(local_day, weekly),
        overrides={day: _ordered(ranges) for day, ranges in overrides.items()},
        time_off=time_off,
        busy=busy,
        buffer=timedelta(minutes=shape.buffer_min),
        step=timedelta(minutes=shape.slot_step_min),
    )


def calendar_for_start(
    session: Session,
    provider: ProviderHours,
    *,
    start: datetime,
    duration_min: int,
    now: datetime,
    ignore_booking_id: str | None = None,
) -> ProviderCalendar:
    """Return the provider's calendar as far as `start` for `duration_min` depends on it."""
    shape = shape_of(provider, duration_min)
    parameters = rows_for_start_parameters(
        shape, provider_id=provider.id, start=start, now=now, ignore_booking_id=ignore_booking_id
    )
    return calendar_from_rows(
        session.connection().execute(_ROWS_FOR_START, parameters), shape, start
    )


def _ordered(ranges: list[OpeningRange]) -> tuple[OpeningRange, ...]:
    return tuple(sorted(ranges, key=_opening_key))


def _opening_key(opening: OpeningRange) -> time:
    return opening.opens


def _week(day: date, ranges: list[OpeningRange]) -> Mapping[int, Sequence[OpeningRange]]:
    return {day.weekday(): _ordered(ranges)} if ranges else {}
