"""Loading provider calendars and the practice's booking window from the database.

A fixed number of queries serves any number of providers: one each for the schedule tables
and the bookings, filtered by provider id and time range.
"""

from __future__ import annotations

import itertools
import json
from collections import defaultdict
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from types import MappingProxyType
from typing import Any, Protocol, cast

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Executable,
    String,
    and_,
    any_,
    bindparam,
    func,
    or_,
)
from sqlmodel import Session, col, select

from domain.kernel.timefmt import zone
from domain.kernel.uow import UnitOfWork
from domain.models import (
    PRACTICE_ROW_ID,
    Booking,
    BookingStatus,
    DateOverride,
    ExternalBusy,
    Practice,
    TimeOff,
    WeeklyHours,
    occupies,
)
from domain.models.types import UTCDateTime
from domain.scheduling.availability import BookingWindow, ProviderCalendar
from domain.scheduling.day_grid import OpeningRange
from domain.scheduling.free_time import Interval

# Overrides are kept by local date, which can lie a day either side of a UTC date.
_LOCAL_DAYS_AROUND = timedelta(days=2)
_INSTANT = timedelta(microseconds=1)
_CLOSED_WEEK: Mapping[int, Sequence[OpeningRange]] = MappingProxyType({})
_NO_OVERRIDES: Mapping[date, Sequence[OpeningRange]] = MappingProxyType({})
# Longer than any appointment and its buffer: what starts this long after a searched range
# cannot reach back into it.
LONGEST_REACH = timedelta(days=2)


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


class BookingPolicy(Protocol):
    """The practice's policies that decide which starts may be booked at all."""

    @property
    def timezone(self) -> str: ...
    @property
    def min_notice_minutes(self) -> int: ...
    @property
    def max_advance_days(self) -> int: ...


def booking_window(policy: BookingPolicy, now: datetime) -> BookingWindow:
    """Return the starts the policies allow to someone asking at `now`."""
    practice_zone = zone(policy.timezone)
    return BookingWindow(
        earliest=now + timedelta(minutes=policy.min_notice_minutes),
        last_day=now.astimezone(practice_zone).date() + timedelta(days=policy.max_advance_days),
        timezone=practice_zone,
    )


class ProviderHours(Protocol):
    """What a calendar needs to know of a provider besides the schedule tables."""

    @property
    def id(self) -> str: ...
    @property
    def timezone(self) -> str: ...
    @property
    def buffer_min(self) -> int: ...
    @property
    def slot_step_min(self) -> int: ...


def load_calendars(
    session: Session,
    providers: Collection[ProviderHours],
    *,
    start: datetime,
    end: datetime,
    now: datetime,
    ignore_booking_id: str | None = None,
    reach: timedelta = LONGEST_REACH,
) -> dict[str, ProviderCalendar]:
    """Build each provider's calendar for starts in [start, end) in four queries, whatever their
    number.

    `reach` is the longest an appointment and its buffer keep a provider: busy time and time off
    matter while they end after `start` and begin before `end` plus that. The calendars hold the
    weekly hours of the weekdays that [start, end) touches in their zones, not always all seven.
    """
    ids = [provider.id for provider in providers]
    weekly, overrides = _hours(session, providers, ids, start, end)
    time_off = _time_off(session, ids, start, end + reach)
    busy = busy_intervals(session, ids, start, end + reach, now, ignore_booking_id)
    _add_external_busy(session, busy, ids, start, end + reach)
    return {
        provider.id: _calendar(
            provider,
            weekly,
            overrides,
            time_off=time_off.get(provider.id, ()),
            busy=busy.get(provider.id, ()),
        )
        for provider in providers
    }


def load_hours(
    session: Session, providers: Collection[ProviderHours], *, start: datetime, end: datetime
) -> dict[str, ProviderCalendar]:
    """Build each provider's calendar for starts in [start, end) with its hours only, in two
    queries: no time off and no busy time yet (`with_busy_time` adds them)."""
    weekly, overrides = _hours(session, providers, [p.id for p in providers], start, end)
    return {provider.id: _calendar(provider, weekly, overrides) for provider in providers}


def with_busy_time(
    session: Session,
    calendars: Mapping[str, ProviderCalendar],
    *,
    start: datetime,
    end: datetime,
    now: datetime,
    reach: timedelta = LONGEST_REACH,
) -> dict[str, ProviderCalendar]:
    """Return the calendars with their time off and busy time for starts in [start, end), in two
    queries; `reach` as for `load_calendars`."""
    ids = list(calendars)
    time_off = _time_off(session, ids, start, end + reach)
    busy = busy_intervals(session, ids, start, end + reach, now, None)
    _add_external_busy(session, busy, ids, start, end + reach)
    return {
        provider_id: replace(
            calendar, time_off=time_off.get(provider_id, ()), busy=busy.get(provider_id, ())
        )
        for provider_id, calendar in calendars.items()
    }


_Week = Mapping[int, Sequence[OpeningRange]]
_Overrides = Mapping[date, Sequence[OpeningRange]]


def _hours(
    session: Session,
    providers: Collection[ProviderHours],
    ids: list[str],
    start: datetime,
    end: datetime,
) -> tuple[dict[str, _Week], dict[str, dict[date, list[OpeningRange]]]]:
    weekly = _weekly_hours(session, ids, _weekdays_between(providers, start, end))
    overrides = _overrides(
        session, ids, start.date() - _LOCAL_DAYS_AROUND, end.date() + _LOCAL_DAYS_AROUND
    )
    return weekly, overrides


def _calendar(
    provider: ProviderHours,
    weekly: Mapping[str, _Week],
    overrides: Mapping[str, _Overrides],
    *,
    time_off: Sequence[Interval] = (),
    busy: Sequence[Interval] = (),
) -> ProviderCalendar:
    return ProviderCalendar(
        timezone=zone(provider.timezone),
        weekly=weekly.get(provider.id, _CLOSED_WEEK),
        overrides=overrides.get(provider.id, _NO_OVERRIDES),
        time_off=time_off,
        busy=busy,
        buffer=timedelta(minutes=provider.buffer_min),
        step=timedelta(minutes=provider.slot_step_min),
    )


def _weekdays_between(
    providers: Collection[ProviderHours], start: datetime, end: datetime
) -> list[int]:
    """Return the weekdays of the local dates that [start, end) touches in the providers' zones."""
    weekdays: set[int] = set()
    for name in {provider.timezone for provider in providers}:
        tz = zone(name)
        first, last = start.astimezone(tz).date(), (end - _INSTANT).astimezone(tz).date()
        if (last - first).days >= 6:
            return list(range(7))
        weekdays.update(
            (first + timedelta(days=n)).weekday() for n in range((last - first).days + 1)
        )
    return sorted(weekdays)


def _weekly_hours(
    session: Session, ids: list[str], weekdays: list[int]
) -> dict[str, Mapping[int, Sequence[OpeningRange]]]:
    tests = [_one_of(session, col(WeeklyHours.provider_id), ids)]
    if len(weekdays) < 7:
        tests.append(col(WeeklyHours.weekday).in_(weekdays))
    keys = (col(WeeklyHours.weekday), col(WeeklyHours.opens), col(WeeklyHours.closes))
    rows = _by_providers(session, col(WeeklyHours.provider_id), keys, *tests)
    # Providers mostly keep the same few hours, and often the same week: one object per distinct
    # range and one mapping per distinct week, which a search over many providers reads quickly.
    ranges: dict[tuple[time, time], OpeningRange] = {}
    entries: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for providers, weekday, opens, closes in rows:
        opening = ranges.get((opens, closes))
        if opening is None:
            opening = ranges[opens, closes] = OpeningRange(opens, closes)
        entry = (weekday, id(opening))
        for provider_id in providers:
            entries[provider_id].append(entry)
    by_id = {id(opening): opening for opening in ranges.values()}
    weeks: dict[tuple[tuple[int, int], ...], Mapping[int, Sequence[OpeningRange]]] = {}
    found: dict[str, Mapping[int, Sequence[OpeningRange]]] = {}
    for provider_id, week_entries in entries.items():
        key = tuple(week_entries)
        week = weeks.get(key)
        if week is None:
            days: dict[int, list[OpeningRange]] = defaultdict(list)
            for weekday, opening_id in week_entries:
                days[weekday].append(by_id[opening_id])
            week = weeks[key] = {weekday: tuple(day) for weekday, day in days.items()}
        found[provider_id] = week
    return found


def _overrides(
    session: Session, ids: list[str], first: date, last: date
) -> dict[str, dict[date, list[OpeningRange]]]:
    rows = _rows(
        session,
        select(
            col(DateOverride.provider_id),
            col(DateOverride.day),
            col(DateOverride.opens),
            col(DateOverride.closes),
        )
        .where(_one_of(session, col(DateOverride.provider_id), ids))
        .where(col(DateOverride.day) >= first, col(DateOverride.day) <= last)
        .order_by(col(DateOverride.day), col(DateOverride.opens)),
    )
    found: dict[str, dict[date, list[OpeningRange]]] = defaultdict(lambda: defaultdict(list))
    for provider_id, day, opens, closes in rows:
        ranges = found[provider_id][day]  # touching the key marks the day as overridden
        if opens is not None and closes is not None:
            ranges.append(OpeningRange(opens, closes))
    return found


def _time_off(
    session: Session, ids: list[str], start: datetime, end: datetime
) -> dict[str, list[Interval]]:
    return _intervals(
        session,
        (col(TimeOff.provider_id), col(TimeOff.starts_at), col(TimeOff.ends_at)),
        _one_of(session, col(TimeOff.provider_id), ids),
        col(TimeOff.starts_at) < end,
        col(TimeOff.ends_at) > start,
    )


def busy_intervals(
    session: Session,
    ids: list[str],
    start: datetime,
    end: datetime,
    now: datetime,
    ignore_booking_id: str | None,
) -> dict[str, list[Interval]]:
    status = _status_tested()
    # An expired hold frees its slot the moment it expires, whether or not its row says so yet.
    live_hold = and_(status == BookingStatus.HOLD, col(Booking.hold_expires_at) > now)
    tests = [
        _one_of(session, col(Booking.provider_id), ids),
        occupies(start, end),
        or_(status == BookingStatus.CONFIRMED, live_hold),
    ]
    if ignore_booking_id is not None:
        tests.append(col(Booking.id) != ignore_booking_id)
    columns = (col(Booking.provider_id), col(Booking.starts_at), col(Booking.blocked_until))
    return _intervals(session, columns, *tests)


def _add_external_busy(
    session: Session,
    busy: dict[str, list[Interval]],
    ids: list[str],
    start: datetime,
    end: datetime,
) -> None:
    """Add the busy time the providers' own calendars hold (cached by the last sync) to theirs.

    Counted as busy, not time off: an appointment and its buffer must end before the
    provider's own one begins, as before another booking.
    """
    external = _intervals(
        session,
        (col(ExternalBusy.provider_id), col(ExternalBusy.starts_at), col(ExternalBusy.ends_at)),
        _one_of(session, col(ExternalBusy.provider_id), ids),
        col(ExternalBusy.starts_at) < end,
        col(ExternalBusy.ends_at) > start,
    )
    for provider_id, intervals in external.items():
        busy[provider_id] = busy.get(provider_id, []) + intervals


def _one_of(session: Session, column: Any, ids: list[str]) -> ColumnElement[bool]:
    """Return the test that a column holds one of the ids.

    PostgreSQL is sent the ids as one array: as a thousand parameters they make a statement too
    long for psycopg's cache of parsed statements, and rendering and parsing it costs about 9 ms
    a query (1 ms as an array).
    """
    test: ColumnElement[bool]
    if session.get_bind().dialect.name == "postgresql":
        test = column == any_(bindparam(None, ids, type_=ARRAY(String)))
    else:
        test = column.in_(ids)
    return test


def _status_tested() -> ColumnElement[str]:
    """Return the bookings' status as the busy-time query tests it: appended to '', the same
    text, but no longer a column an index can look up.

    A database without statistics (SQLite always, PostgreSQL until it first analyzes the table)
    takes a test of the status for a selective one and walks the status index through every
    confirmed booking of the practice instead of each provider's bookings by time: on SQLite,
    27 ms for 80 providers' 133 bookings among 38,000, against 0.2 ms.
    """
    return col(Booking.status).concat("")


_INSTANT_TYPE = UTCDateTime()


def _intervals(
    session: Session,
    columns: tuple[Any, Any, Any],
    *tests: ColumnElement[bool],
) -> dict[str, list[Interval]]:
    """Select provider ids and UTC instants (from, until) that pass the tests; return each
    provider's intervals.

    Tens of thousands of bookings share a few hundred intervals (the slot grid), so each distinct
    interval is made once, its instants converted as the column type converts them, and shared:
    no row object and no conversion per booking, and few objects that live as long as the
    search, so fewer passes of the garbage collector. The database sends each distinct interval
    once with the array of its providers (GROUP BY): 340 rows instead of 34,000 for
    1,000 providers x 14 days, whose timestamps psycopg no longer parses one by one (the client's
    CPU for that query and its intervals 57 -> 8 ms); SQLite sends them as JSON arrays.
    """
    provider, since_column, until_column = columns
    dialect = session.get_bind().dialect
    processor = _INSTANT_TYPE.dialect_impl(dialect).result_processor(dialect, None)
    if processor is None:
        raise TypeError("UTCDateTime converts what it reads")
    # Never None here: both columns are NOT NULL.
    convert = cast(Callable[[Any], datetime], processor)
    providers_of, ids_in = _provider_ids(session, provider)
    statement = (
        select(providers_of, since_column, until_column)
        .where(*tests)
        .group_by(since_column, until_column)
    )
    instants: dict[Any, datetime] = {}
    found: dict[str, list[Interval]] = defaultdict(list)
    result = session.connection().execute(statement)
    try:
        while rows := result.cursor.fetchmany(_ROWS_PER_FETCH):
            for providers, raw_from, raw_until in rows:
                since = instants.get(raw_from) or instants.setdefault(raw_from, convert(raw_from))
                until = instants.get(raw_until) or instants.setdefault(
                    raw_until, convert(raw_until)
                )
                interval = (since, until)
                for provider_id in ids_in(providers):
                    found[provider_id].append(interval)
    finally:
        result.close()
    return found


def _by_providers(
    session: Session, provider: Any, keys: Sequence[Any], *tests: ColumnElement[bool]
) -> Iterator[Any]:
    """Yield (provider ids, *keys) for each distinct value of the keys among the rows that pass
    the tests, in the order of the keys.

    The database groups the providers who share a value into one array: the weekly hours of
    1,000 providers who keep the same week are 10 rows rather than 10,000.
    """
    providers_of, ids_in = _provider_ids(session, provider)
    grouped = select(providers_of, *keys).where(*tests).group_by(*keys).order_by(*keys)
    return ((ids_in(ids), *rest) for ids, *rest in _rows(session, grouped))


def _provider_ids(
    session: Session, provider: Any
) -> tuple[ColumnElement[Any], Callable[[Any], Sequence[str]]]:
    """Return the aggregate of a grouped select that gathers the provider ids of a group, and
    what turns its value into the ids: a PostgreSQL array, a JSON array on SQLite."""
    if session.get_bind().dialect.name == "postgresql":
        return func.array_agg(provider), _as_is
    return func.json_group_array(provider), json.loads


def _as_is(ids: Sequence[str]) -> Sequence[str]:
    return ids


def _rows(session: Session, statement: Executable) -> Iterator[Any]:
    """Yield plain rows, without the ORM's loading, fetched a batch at a time (see `_intervals`)."""
    result = session.connection().execute(statement)
    return itertools.chain.from_iterable(result.partitions(_ROWS_PER_FETCH))


_ROWS_PER_FETCH = 100
