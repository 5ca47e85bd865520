"""Providers' external calendars: what their busy time costs the slot search, and how fast a
sync reads a real Radicale.

Search: 200 providers with the same hours and about 30% of their slots booked, in two
categories of 100; one category also has a CalDAV connection each whose cache holds 20 external
events per provider per week (4 of them weekly recurring). The same 14-day search is timed over
each category, alternately, in the same run: the ratio is what external busy time costs.

Sync: 100 calendars in a Radicale started for the run (written into its storage folder, as
Radicale keeps them, so seeding takes seconds), synced one after the other; events per second
counts the busy intervals stored. Then one event is added over CalDAV and its connection synced:
the time to reflect a change once the worker looks.
"""

from __future__ import annotations

import json
import random
import statistics
import tempfile
import time
from datetime import date, datetime, timedelta
from datetime import time as wall_time
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import SQLModel, col, select

from bench.common import (
    Figures,
    PostgresDatabases,
    at_local,
    fmt,
    frozen_clock,
    markdown_table,
    migrated_engine,
    practice_row,
    sqlite_url,
    weekly_hours,
)
from domain.calendars.sync import sync_connection
from domain.kernel.uow import UnitOfWork
from domain.models import (
    Booking,
    BookingStatus,
    CalendarConnection,
    Category,
    Client,
    Provider,
    ProviderService,
    Service,
    occupied_span,
)
from domain.scheduling.slots import SlotQuery, search_slots
from testkit.calendar_servers import Radicale, running_radicale

PROVIDERS, DAYS, EVENTS_PER_WEEK, RECURRING_PER_WEEK = 100, 14, 20, 4
RUNS = 15
FIRST_DAY = date(2026, 3, 9)  # a Monday, a week after the clock's `now`
HOURS = [(wall_time(8), wall_time(12)), (wall_time(13), wall_time(17))]
DURATION_MIN, BUFFER_MIN, STEP_MIN, FILL = 30, 5, 15, 0.3
GROUPS = ("with-calendars", "without-calendars")


def _workdays() -> list[date]:
    days = (FIRST_DAY + timedelta(days=n) for n in range(DAYS))
    return [day for day in days if day.weekday() < 5]


def _events(rng: random.Random) -> list[tuple[datetime, datetime, bool]]:
    """A provider's external events over the fortnight: (start, end, weekly), each an hour or
    less inside working hours; a weekly one is listed once and recurs the next week."""
    events = []
    first_week = [day for day in _workdays() if day < FIRST_DAY + timedelta(days=7)]
    for week in range(DAYS // 7):
        for n in range(EVENTS_PER_WEEK):
            weekly = n < RECURRING_PER_WEEK
            if weekly and week > 0:
                continue
            day = rng.choice(first_week) + timedelta(days=7 * week)
            opens, _ = rng.choice(HOURS)
            start = at_local(day, wall_time(opens.hour + rng.randrange(3), rng.choice((0, 30))))
            events.append((start, start + timedelta(minutes=rng.choice((30, 45, 60))), weekly))
    return events


def _ics(uid: str, start: datetime, end: datetime, weekly: bool) -> str:
    rule = "RRULE:FREQ=WEEKLY;COUNT=2\r\n" if weekly else ""
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//frontdesk bench//EN\r\nBEGIN:VEVENT\r\n"
        f"UID:{uid}\r\nDTSTAMP:20260301T000000Z\r\nDTSTART:{start:%Y%m%dT%H%M%SZ}\r\n"
        f"DTEND:{end:%Y%m%dT%H%M%SZ}\r\n{rule}SUMMARY:Busy\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )


def write_radicale_calendars(storage: Path, radicale_user: str) -> dict[str, int]:
    """Write each provider's events into Radicale's storage; return events per provider id."""
    rng = random.Random(20)
    counts: dict[str, int] = {}
    for index in range(PROVIDERS):
        provider_id = f"{GROUPS[0]}-{index:03d}"
        folder = storage / "collection-root" / radicale_user / provider_id
        folder.mkdir(parents=True)
        (folder / ".Radicale.props").write_text(json.dumps({"tag": "VCALENDAR"}))
        events = _events(rng)
        for number, (start, end, weekly) in enumerate(events):
            uid = f"{provider_id}-{number}"
            (folder / f"{uid}.ics").write_text(_ics(uid, start, end, weekly), newline="")
        counts[provider_id] = sum(2 if weekly else 1 for *_, weekly in events)
    return counts


def seed(engine: Engine, radicale: Radicale) -> None:
    """Both groups of providers with the same bookings; connections for the first group."""
    rng = random.Random(7)
    uow = UnitOfWork(engine, frozen_clock())
    with uow:
        session = uow.session
        now = uow.now()
        session.merge(practice_row())
        session.add(Client(id="bench", name="Bench Client", created_at=now))
        parents: list[SQLModel] = []
        children: list[SQLModel] = []
        picks = [
            (day, opens) for day in _workdays() for opens in _slot_starts() if rng.random() < FILL
        ]
        for group in GROUPS:
            parents.append(Category(id=group, name=group))
            parents.append(
                Service(
                    id=f"{group}-visit", name="Visit", category_id=group, duration_min=DURATION_MIN
                )
            )
            for index in range(PROVIDERS):
                provider_id = f"{group}-{index:03d}"
                parents.append(
                    Provider(
                        id=provider_id,
                        name=provider_id,
                        timezone="Europe/Berlin",
                        buffer_min=BUFFER_MIN,
                        slot_step_min=STEP_MIN,
                    )
                )
                children.append(
                    ProviderService(provider_id=provider_id, service_id=f"{group}-visit")
                )
                children += weekly_hours(provider_id, HOURS)
                children += _bookings(provider_id, f"{group}-visit", picks, now)
                if group == GROUPS[0]:
                    children.append(
                        CalendarConnection(
                            id=provider_id,
                            provider_id=provider_id,
                            kind="caldav",
                            url=radicale.calendar_url(provider_id),
                            username=radicale.username,
                            password=radicale.password,
                            created_at=now,
                        )
                    )
        for kind in (Category, Service, Provider):
            session.add_all([row for row in parents if isinstance(row, kind)])
            session.flush()
        session.add_all(children)
        uow.commit()


def _slot_starts() -> list[wall_time]:
    pitch = -(-(DURATION_MIN + BUFFER_MIN) // STEP_MIN) * STEP_MIN
    starts = []
    for opens, closes in HOURS:
        minute = opens.hour * 60
        while minute + DURATION_MIN <= closes.hour * 60:
            starts.append(wall_time(minute // 60, minute % 60))
            minute += pitch
    return starts


def _bookings(
    provider_id: str, service_id: str, picks: list[tuple[date, wall_time]], now: datetime
) -> list[SQLModel]:
    bookings: list[SQLModel] = []
    for day, at in picks:
        starts_at = at_local(day, at)
        ends_at, blocked_until = occupied_span(
            starts_at, duration_min=DURATION_MIN, buffer_min=BUFFER_MIN
        )
        bookings.append(
            Booking(
                client_id="bench",
                provider_id=provider_id,
                service_id=service_id,
                starts_at=starts_at,
                ends_at=ends_at,
                blocked_until=blocked_until,
                status=BookingStatus.CONFIRMED,
                created_at=now,
                updated_at=now,
            )
        )
    return bookings


def sync_all(engine: Engine) -> tuple[float, int]:
    """Sync every connection once; return the seconds it took and the intervals stored."""
    uow = UnitOfWork(engine, frozen_clock())
    with uow.reading() as reader:
        ids = list(
            reader.session.exec(select(CalendarConnection.id).order_by(col(CalendarConnection.id)))
        )
    began = time.perf_counter()
    stored = 0
    for connection_id in ids:
        report = sync_connection(uow=uow, connection_id=connection_id)
        if report is None or report.error:
            raise RuntimeError(f"sync of {connection_id} failed: {report}")
        stored += report.intervals
    return time.perf_counter() - began, stored


def reflect_one_change(engine: Engine, radicale: Radicale) -> float:
    """Add one event over CalDAV and sync its connection; return the milliseconds."""
    provider_id = f"{GROUPS[0]}-000"
    calendar = radicale.client().calendar(url=radicale.calendar_url(provider_id))
    start = at_local(FIRST_DAY + timedelta(days=1), wall_time(16))
    began = time.perf_counter()
    calendar.save_event(_ics("bench-change", start, start + timedelta(minutes=30), False))
    sync_connection(uow=UnitOfWork(engine, frozen_clock()), connection_id=provider_id)
    return (time.perf_counter() - began) * 1000


def search_ratio(engine: Engine) -> tuple[float, float, int, int]:
    """Median ms of the search with and without external calendars, and their free starts."""
    uow = UnitOfWork(engine, frozen_clock())
    start = at_local(FIRST_DAY, wall_time(0))
    queries = {
        group: SlotQuery(start=start, end=start + timedelta(days=DAYS), category_id=group)
        for group in GROUPS
    }
    timings: dict[str, list[float]] = {group: [] for group in GROUPS}
    found: dict[str, int] = {}
    for group in GROUPS:
        search_slots(uow=uow, query=queries[group])  # warm-up
    for _ in range(RUNS):
        for group in GROUPS:
            began = time.perf_counter()
            results = search_slots(uow=uow, query=queries[group])
            timings[group].append((time.perf_counter() - began) * 1000)
            found[group] = sum(len(r.starts) for r in results)
    with_ms, without_ms = (statistics.median(timings[group]) for group in GROUPS)
    return with_ms, without_ms, found[GROUPS[0]], found[GROUPS[1]]


def run(pg: PostgresDatabases | None) -> Figures:
    figures: Figures = {}
    rows: list[list[object]] = []
    with tempfile.TemporaryDirectory(prefix="frontdesk-bench-calendars-") as tmp:
        folder = Path(tmp) / "radicale"
        (folder / "storage").mkdir(parents=True)
        with running_radicale(folder) as radicale:
            expected = write_radicale_calendars(folder / "storage", radicale.username)
            targets: list[tuple[str, str]] = [("sqlite", sqlite_url(tmp, "calendars"))]
            if pg is not None:
                targets.append(("postgresql", pg.url(pg.new_database("calendars"))))
            for backend, url in targets:
                engine = migrated_engine(url)
                seed(engine, radicale)
                seconds, stored = sync_all(engine)
                with_ms, without_ms, with_found, without_found = search_ratio(engine)
                change_ms = reflect_one_change(engine, radicale)
                engine.dispose()
                ratio = with_ms / without_ms
                prefix = f"{backend}.calendars"
                figures |= {
                    f"{prefix}.search_with_ms": with_ms,
                    f"{prefix}.search_without_ms": without_ms,
                    f"{prefix}.search_ratio": ratio,
                    f"{prefix}.sync_events_per_s": stored / seconds,
                    f"{prefix}.sync_seconds": seconds,
                    f"{prefix}.reflect_change_ms": change_ms,
                }
                rows.append(
                    [
                        backend,
                        fmt(without_ms),
                        fmt(with_ms),
                        f"{ratio:.2f} x",
                        f"{without_found:,} / {with_found:,}",
                        f"{stored:,} ({sum(expected.values()):,})",
                        fmt(seconds, 2),
                        fmt(stored / seconds, 0),
                        fmt(change_ms),
                    ]
                )
    headers = [
        "backend",
        "search without (ms)",
        "with (ms)",
        "ratio",
        "free starts without / with",
        "intervals synced (written)",
        "sync s",
        "events/s",
        "one change (ms)",
    ]
    print(f"{PROVIDERS} providers x {DAYS} days, {EVENTS_PER_WEEK} external events a week each\n")
    print(markdown_table(headers, rows))
    print()
    return figures


def headline(figures: Figures) -> str:
    backend = "postgresql" if "postgresql.calendars.search_ratio" in figures else "sqlite"
    ratio = figures[f"{backend}.calendars.search_ratio"]
    rate = figures[f"{backend}.calendars.sync_events_per_s"]
    return (
        f"calendars: {PROVIDERS} providers x {DAYS} days, search with external events "
        f"{ratio:.2f} x without, sync {rate:,.0f} events/s"
    )
