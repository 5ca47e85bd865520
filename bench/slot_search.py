"""Slot search: 10, 100 and 1,000 providers over 14 days, about 30% of their capacity booked.

One database holds three groups of providers, each group under its own category, so each size
is one `search_slots` by category over the same tables. Providers work Mon-Fri 08:00-12:00 and
13:00-17:00 and offer one of three services; confirmed bookings are inserted in bulk.
"""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from datetime import date, timedelta
from datetime import time as wall_time

from sqlalchemy import Engine
from sqlmodel import SQLModel

from bench.common import (
    Figures,
    PostgresDatabases,
    StatementCounter,
    at_local,
    fmt,
    frozen_clock,
    markdown_table,
    migrated_engine,
    p90,
    practice_row,
    sqlite_url,
    weekly_hours,
)
from domain.kernel.db import make_engine
from domain.kernel.uow import UnitOfWork
from domain.models import (
    Booking,
    BookingStatus,
    Category,
    Client,
    Provider,
    ProviderService,
    Service,
)
from domain.scheduling.slots import SlotQuery, search_slots

SIZES = {10: 15, 100: 15, 1000: 7}  # providers: timed runs
DAYS = 14
FIRST_DAY = date(2026, 3, 9)  # a Monday, a week after the clock's `now`
FILL = 0.3  # share of each provider's non-overlapping slots that is booked
SERVICES = [(20, "Short visit"), (30, "Consultation"), (45, "Long consultation")]
HOURS = [(wall_time(8), wall_time(12)), (wall_time(13), wall_time(17))]
BUFFER_MIN, STEP_MIN = 5, 15


def _booking_starts(rng: random.Random, duration: int) -> list[tuple[date, wall_time]]:
    """Pick about FILL of the back-to-back slots (duration plus buffer, on the step grid)."""
    pitch = -(-(duration + BUFFER_MIN) // STEP_MIN) * STEP_MIN
    picked = []
    for offset in range(DAYS):
        day = FIRST_DAY + timedelta(days=offset)
        if day.weekday() >= 5:
            continue
        for opens, closes in HOURS:
            minute = opens.hour * 60 + opens.minute
            while minute + duration <= closes.hour * 60 + closes.minute:
                if rng.random() < FILL:
                    picked.append((day, wall_time(minute // 60, minute % 60)))
                minute += pitch
    return picked


def seed(engine: Engine) -> int:
    """Insert every provider group and its bookings; return the number of bookings."""
    rng = random.Random(7)
    uow = UnitOfWork(engine, frozen_clock())
    with uow:
        session = uow.session
        now = uow.now()
        session.merge(practice_row())
        session.add(Client(id="bench", name="Bench Client", created_at=now))
        rows: list[SQLModel] = []
        bookings: list[SQLModel] = []
        for size in SIZES:
            category = f"size-{size}"
            rows.append(Category(id=category, name=f"{size} providers"))
            services = [
                Service(id=f"{category}-{d}", name=n, category_id=category, duration_min=d)
                for d, n in SERVICES
            ]
            rows += services
            for index in range(size):
                service = services[index % len(services)]
                provider_id = f"p{size}-{index:04d}"
                rows.append(
                    Provider(
                        id=provider_id,
                        name=f"Provider {size}/{index}",
                        timezone="Europe/Berlin",
                        buffer_min=BUFFER_MIN,
                        slot_step_min=STEP_MIN,
                    )
                )
                rows.append(ProviderService(provider_id=provider_id, service_id=service.id))
                rows += weekly_hours(provider_id, HOURS)
                for day, at in _booking_starts(rng, service.duration_min):
                    starts_at = at_local(day, at)
                    ends_at = starts_at + timedelta(minutes=service.duration_min)
                    bookings.append(
                        Booking(
                            client_id="bench",
                            provider_id=provider_id,
                            service_id=service.id,
                            starts_at=starts_at,
                            ends_at=ends_at,
                            blocked_until=ends_at + timedelta(minutes=BUFFER_MIN),
                            status=BookingStatus.CONFIRMED,
                            created_at=now,
                            updated_at=now,
                        )
                    )
        # Parents before children: flush each kind so foreign keys hold on PostgreSQL.
        for kind in (Category, Service, Provider):
            session.add_all([row for row in rows if isinstance(row, kind)])
            session.flush()
        session.add_all([row for row in rows if not isinstance(row, Category | Service | Provider)])
        session.flush()
        session.add_all(bookings)
        uow.commit()
    return len(bookings)


def measure(engine: Engine, backend: str) -> tuple[Figures, list[list[object]]]:
    uow = UnitOfWork(engine, frozen_clock())
    counter = StatementCounter(engine)
    start = at_local(FIRST_DAY, wall_time(0))
    query_end = start + timedelta(days=DAYS)
    figures: Figures = {}
    rows: list[list[object]] = []
    base_median = 0.0
    for size, runs in SIZES.items():
        query = SlotQuery(start=start, end=query_end, category_id=f"size-{size}")
        search_slots(uow=uow, query=query)  # warm-up: statement caches, pool
        latencies: list[float] = []
        statements: set[int] = set()
        found = 0
        for _ in range(runs):
            counter.take()
            began = time.perf_counter()
            results = search_slots(uow=uow, query=query)
            latencies.append((time.perf_counter() - began) * 1000)
            statements.add(counter.take())
            found = sum(len(r.starts) for r in results)
            if len(results) != size:
                print(f"  {backend} {size}: {len(results)} provider results, expected {size}")
        median = statistics.median(latencies)
        base_median = base_median or median
        prefix = f"{backend}.providers_{size}"
        figures.update(
            {
                f"{prefix}.median_ms": median,
                f"{prefix}.p90_ms": p90(latencies),
                f"{prefix}.statements": max(statements),
                f"{prefix}.free_starts": found,
                f"{prefix}.median_vs_10": median / base_median,
            }
        )
        counts = "/".join(str(n) for n in sorted(statements))
        rows.append(
            [
                backend,
                size,
                runs,
                fmt(median),
                fmt(p90(latencies)),
                counts,
                f"{found:,}",
                fmt(median / base_median, 2),
            ]
        )
    return figures, rows


def run(pg: PostgresDatabases | None) -> Figures:
    figures: Figures = {}
    rows: list[list[object]] = []
    seeding: list[str] = []
    with tempfile.TemporaryDirectory(prefix="frontdesk-bench-") as tmp:
        targets: list[tuple[str, str]] = [("sqlite", sqlite_url(tmp, "slot_search"))]
        if pg is not None:
            targets.append(("postgresql", pg.url(pg.new_database("slot_search"))))
        for backend, url in targets:
            engine = make_engine(url) if backend == "postgresql" else migrated_engine(url)
            began = time.perf_counter()
            bookings = seed(engine)
            seeded = time.perf_counter() - began
            seeding.append(f"{backend}: {bookings:,} bookings seeded in {seeded:.1f} s")
            began = time.perf_counter()
            result, table = measure(engine, backend)
            result[f"{backend}.seconds"] = measured = time.perf_counter() - began
            seeding[-1] += f", searched in {measured:.1f} s"
            result[f"{backend}.bookings"] = bookings
            figures.update(result)
            rows += table
            engine.dispose()
    print(f"### slot search: {DAYS} days, one category per size, ~{FILL:.0%} of slots booked\n")
    headers = ["backend", "providers", "runs", "median ms", "p90 ms", "SQL/search"]
    print(markdown_table([*headers, "free starts", "median ÷ 10-provider median"], rows))
    print("\nSQL/search counts every cursor execute; SQLite's includes its explicit BEGIN.")
    print("; ".join(seeding) + "\n")
    return figures
