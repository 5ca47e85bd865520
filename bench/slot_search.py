"""Slot search: 10, 100 and 1,000 providers over 14 days, about 30% of their capacity booked.

One database holds three groups of providers, each group under its own category, so each size
is one `search_slots` by category over the same tables. Providers work Mon-Fri 08:00-12:00 and
13:00-17:00 and offer one of three services; confirmed bookings are inserted in bulk.

For 1,000 providers it also times the first 40 free starts across all of them
(`soonest_starts`), and the search as it was before issue 14 (bench/slot_baseline.py: every
candidate converted and checked on its own) over the same calendars, as the baseline of the same
run; both searches must find exactly the same starts.
"""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
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
from bench.slot_baseline import search_category
from domain.kernel.db import make_engine
from domain.kernel.keyring import process_keyring
from domain.kernel.uow import UnitOfWork
from domain.models import (
    Booking,
    BookingStatus,
    Category,
    Client,
    Provider,
    ProviderService,
    Service,
    occupied_span,
)
from domain.scheduling.slots import SlotQuery, search_slots
from domain.scheduling.soonest import soonest_starts

SIZES = {10: 15, 100: 15, 1000: 7}  # providers: timed runs
LARGEST = max(SIZES)
FIRST = 40  # the soonest starts across every provider, as a client asking "when is anyone free"
FIRST_RUNS, BASELINE_RUNS = 15, 3
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
                    ends_at, blocked_until = occupied_span(
                        starts_at, duration_min=service.duration_min, buffer_min=BUFFER_MIN
                    )
                    bookings.append(
                        Booking(
                            client_id="bench",
                            provider_id=provider_id,
                            service_id=service.id,
                            starts_at=starts_at,
                            ends_at=ends_at,
                            blocked_until=blocked_until,
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


def measure_largest(engine: Engine, backend: str) -> tuple[Figures, list[object]]:
    """Time the first starts, all starts and the baseline for the largest group."""
    uow = UnitOfWork(engine, frozen_clock())
    start = at_local(FIRST_DAY, wall_time(0))
    query = SlotQuery(start=start, end=start + timedelta(days=DAYS), category_id=f"size-{LARGEST}")
    soonest_starts(uow=uow, query=query, limit=FIRST)  # warm-up
    first = [
        _timed(lambda: soonest_starts(uow=uow, query=query, limit=FIRST)) for _ in range(FIRST_RUNS)
    ]
    everything = [_timed(lambda: search_slots(uow=uow, query=query)) for _ in range(SIZES[LARGEST])]
    found = {r.provider.id: r.starts for r in search_slots(uow=uow, query=query)}
    baseline: dict[str, list[datetime]] = {}

    def run_baseline() -> None:
        baseline.update(
            search_category(
                uow=uow, category_id=query.category_id or "", start=start, end=query.end
            )
        )

    old = [_timed(run_baseline) for _ in range(BASELINE_RUNS)]
    soonest = sorted((s, p) for p, starts in found.items() for s in starts)[:FIRST]
    first_found = [s.start for s in soonest_starts(uow=uow, query=query, limit=FIRST)]
    identical = baseline == found and first_found == [s for s, _ in soonest]
    prefix = f"{backend}.providers_{LARGEST}"
    medians = [statistics.median(t) for t in (first, everything, old)]
    figures: Figures = {
        f"{prefix}.first_{FIRST}_median_ms": medians[0],
        f"{prefix}.all_starts_median_ms": medians[1],
        f"{prefix}.baseline_median_ms": medians[2],
        f"{prefix}.baseline_over_all_starts": medians[2] / medians[1],
        f"{prefix}.identical_to_baseline": float(identical),
    }
    row: list[object] = [
        backend,
        fmt(medians[0]),
        fmt(p90(first)),
        fmt(medians[1]),
        fmt(p90(everything)),
        fmt(medians[2]),
        f"{medians[2] / medians[1]:,.1f} x",
        "yes" if identical else "NO",
    ]
    return figures, row


def _timed(action: Callable[[], object]) -> float:
    began = time.perf_counter()
    action()
    return (time.perf_counter() - began) * 1000


def run(pg: PostgresDatabases | None) -> Figures:
    figures: Figures = {}
    rows: list[list[object]] = []
    largest: list[list[object]] = []
    seeding: list[str] = []
    with tempfile.TemporaryDirectory(prefix="frontdesk-bench-") as tmp:
        targets: list[tuple[str, str]] = [("sqlite", sqlite_url(tmp, "slot_search"))]
        if pg is not None:
            targets.append(("postgresql", pg.url(pg.new_database("slot_search"))))
        for backend, url in targets:
            engine = (
                make_engine(url, keyring=process_keyring())
                if backend == "postgresql"
                else migrated_engine(url)
            )
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
            result, row = measure_largest(engine, backend)
            figures.update(result)
            largest.append(row)
            engine.dispose()
    print(f"### slot search: {DAYS} days, one category per size, ~{FILL:.0%} of slots booked\n")
    headers = ["backend", "providers", "runs", "median ms", "p90 ms", "SQL/search"]
    print(markdown_table([*headers, "free starts", "median ÷ 10-provider median"], rows))
    print("\nSQL/search counts every cursor execute; SQLite's includes its explicit BEGIN.")
    print("; ".join(seeding) + "\n")
    print(f"### {LARGEST} providers x {DAYS} days: first {FIRST} starts, all starts, baseline\n")
    headers = [
        "backend",
        f"first {FIRST} median ms",
        f"first {FIRST} p90 ms",
        "all starts median ms",
        "all starts p90 ms",
        "baseline median ms",
        "baseline ÷ all starts",
        "same starts as baseline",
    ]
    print(markdown_table(headers, largest))
    print(
        f"\nRuns: first {FIRST} x{FIRST_RUNS}, all starts x{SIZES[LARGEST]}, baseline "
        f"x{BASELINE_RUNS}. Baseline: the per-candidate search before issue 14 "
        "(bench/slot_baseline.py) over the same calendars.\n"
    )
    print(headline(figures))
    return figures


def headline(figures: Figures) -> str:
    """The last line: the largest practice on PostgreSQL (SQLite when no server was started)."""
    backend = (
        "postgresql"
        if f"postgresql.providers_{LARGEST}.all_starts_median_ms" in figures
        else "sqlite"
    )
    prefix = f"{backend}.providers_{LARGEST}"
    return (
        f"slot_search: {LARGEST} providers x {DAYS} days, "
        f"first {FIRST} starts {figures[f'{prefix}.first_{FIRST}_median_ms']:.1f} ms, "
        f"all starts {figures[f'{prefix}.all_starts_median_ms']:.1f} ms"
    )
