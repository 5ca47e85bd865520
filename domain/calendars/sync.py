"""Refreshing the busy time a connection caches: read the calendar outside any transaction,
then replace the connection's intervals whole in one.

The window runs from a day before now (an event under way still blocks) to a day past the
practice's booking window. The change token is stored with the window's last day, so a calendar
that did not change is read again only when the window has moved on a day.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, insert, or_
from sqlmodel import col, select

from domain.calendars.busy_times import UnreadableCalendar, busy_intervals, parse_calendars
from domain.calendars.sources import (
    CalendarRead,
    CalendarSource,
    CalendarUnreachable,
    read_calendar,
)
from domain.kernel.timefmt import zone
from domain.kernel.uow import UnitOfWork
from domain.models import PRACTICE_ROW_ID, CalendarConnection, ExternalBusy, Practice, Provider

Reader = Callable[..., CalendarRead]
_BEFORE_NOW = timedelta(days=1)
_PAST_WINDOW = timedelta(days=2)
_ERROR_LENGTH = 1000


@dataclass(frozen=True)
class SyncReport:
    connection_id: str
    changed: bool
    intervals: int
    error: str | None = None


@dataclass(frozen=True)
class SyncWindow:
    start: datetime
    end: datetime

    @property
    def token_prefix(self) -> str:
        return f"{self.end.date().isoformat()} "


def sync_window(*, uow: UnitOfWork) -> SyncWindow:
    """The instants a sync reads now: what a slot search or a hold could ask about."""
    now = uow.now()
    with uow.reading() as reader:
        practice = reader.session.get(Practice, PRACTICE_ROW_ID) or Practice()
    return SyncWindow(
        now - _BEFORE_NOW, now + timedelta(days=practice.max_advance_days) + _PAST_WINDOW
    )


def source_of(connection: CalendarConnection) -> CalendarSource:
    return CalendarSource(
        kind=connection.kind,
        url=connection.url,
        username=connection.username,
        password=connection.password,
        calendar_name=connection.calendar_name,
    )


def sync_connection(
    *, uow: UnitOfWork, connection_id: str, read: Reader = read_calendar
) -> SyncReport | None:
    """Refresh one connection's cached busy time; None when the connection is gone."""
    window = sync_window(uow=uow)
    with uow.reading() as reader:
        connection = reader.session.get(CalendarConnection, connection_id)
        if connection is None:
            return None
        provider = reader.session.get(Provider, connection.provider_id)
        timezone = provider.timezone if provider is not None else "UTC"
    known = connection.change_token or ""
    known_token = (
        known.removeprefix(window.token_prefix) if known.startswith(window.token_prefix) else None
    )
    try:
        found = read(
            source_of(connection), start=window.start, end=window.end, known_token=known_token
        )
        intervals = (
            None
            if found.texts is None
            else busy_intervals(
                parse_calendars(found.texts),
                start=window.start,
                end=window.end,
                zone=zone(timezone),
                count_tentative=connection.count_tentative,
            )
        )
    except (CalendarUnreachable, UnreadableCalendar) as exc:
        _record_failure(uow, connection_id, str(exc))
        return SyncReport(connection_id, changed=False, intervals=0, error=str(exc))
    stored = store_intervals(
        uow=uow,
        connection_id=connection_id,
        change_token=window.token_prefix + found.change_token,
        intervals=intervals,
    )
    return SyncReport(connection_id, changed=intervals is not None, intervals=stored)


def store_intervals(
    *,
    uow: UnitOfWork,
    connection_id: str,
    change_token: str,
    intervals: list[tuple[datetime, datetime]] | None,
) -> int:
    """Replace the connection's busy time in one transaction (None: unchanged, keep it)."""
    with uow:
        # Locked, so two workers syncing the same connection replace its rows one after the other.
        connection = uow.session.get(CalendarConnection, connection_id, with_for_update=True)
        if connection is None:
            return 0
        now = uow.now()
        if intervals is not None:
            uow.session.execute(
                delete(ExternalBusy).where(col(ExternalBusy.connection_id) == connection_id)
            )
            if intervals:
                uow.session.execute(
                    insert(ExternalBusy),
                    [
                        {
                            "connection_id": connection_id,
                            "provider_id": connection.provider_id,
                            "starts_at": since,
                            "ends_at": until,
                        }
                        for since, until in intervals
                    ],
                )
        connection.change_token = change_token
        connection.last_synced_at = connection.last_attempt_at = now
        connection.last_error = None
        uow.commit()
    return len(intervals or ())


def _record_failure(uow: UnitOfWork, connection_id: str, message: str) -> None:
    """Keep the busy time last read (better stale than none) and say why this sync failed."""
    with uow:
        connection = uow.session.get(CalendarConnection, connection_id, with_for_update=True)
        if connection is None:
            return
        connection.last_attempt_at = uow.now()
        connection.last_error = message[:_ERROR_LENGTH]
        uow.commit()


def due_connections(*, uow: UnitOfWork, every: timedelta) -> list[str]:
    """Return the ids of the connections not tried for `every` or longer, oldest first."""
    now = uow.now()
    attempted = col(CalendarConnection.last_attempt_at)
    with uow.reading() as reader:
        return list(
            reader.session.exec(
                select(CalendarConnection.id)
                .where(or_(attempted.is_(None), attempted <= now - every))
                .order_by(attempted.nulls_first(), col(CalendarConnection.id))
            )
        )


def sync_due(
    *, uow: UnitOfWork, every: timedelta, read: Reader = read_calendar
) -> list[SyncReport]:
    """Refresh every connection due (see `due_connections`), one transaction each."""
    reports = []
    for connection_id in due_connections(uow=uow, every=every):
        report = sync_connection(uow=uow, connection_id=connection_id, read=read)
        if report is not None:
            reports.append(report)
    return reports
