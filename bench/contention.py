"""Contention: many clients booking overlapping starts of one provider at the same time.

Each client thread makes a fixed number of attempts (hold_slot, then confirm_booking) at random
starts among the provider's first CANDIDATES free starts. The 30-minute service with a 5-minute
buffer on a 15-minute step makes neighbouring starts overlap, so most attempts collide. The
baseline is a bare single-row INSERT per transaction, same threads and count, same database.
The last line sums PostgreSQL's two runs: attempts per second, that over the bare INSERTs per
second, and the double bookings found afterwards.
"""

from __future__ import annotations

import random
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from datetime import time as wall_time

import psycopg
from sqlalchemy import Engine, text

from api.heap import settle_heap
from bench.baseline import pg_baseline, sqlite_baseline
from bench.common import (
    Figures,
    PostgresDatabases,
    StatementCounter,
    at_local,
    fmt,
    frozen_clock,
    markdown_table,
    migrated_engine,
    practice_row,
    run_threads,
    sqlite_url,
    weekly_hours,
)
from domain.booking.confirmation import confirm_booking
from domain.booking.holds import hold_slot
from domain.kernel.actors import Actor
from domain.kernel.db import make_engine
from domain.kernel.errors import SlotUnavailable
from domain.kernel.keyring import process_keyring
from domain.kernel.uow import UnitOfWork
from domain.models import Category, Client, Provider, ProviderService, Service
from domain.scheduling.slots import free_starts

CLIENT_COUNTS = (8, 32)
ATTEMPTS_PER_CLIENT = 40
CANDIDATES = 136  # the first four open days (34 starts a day), about 45 bookings at most
PROVIDER, SERVICE = "dr-bench", "consult"
FIRST_DAY = date(2026, 3, 3)  # Tuesday

DOUBLE_BOOKINGS = text(
    "SELECT count(*) FROM bookings a JOIN bookings b"
    " ON a.provider_id = b.provider_id AND a.id < b.id"
    " AND a.starts_at < b.blocked_until AND b.starts_at < a.blocked_until"
    " WHERE a.status = 'confirmed' AND b.status = 'confirmed'"
)


@dataclass
class Tally:
    attempts: int = 0
    confirmed: int = 0
    taken: int = 0
    raced: int = 0  # refused by the database (exclusion constraint), not by the availability check
    other: Counter[str] = field(default_factory=Counter)


def seed(engine: Engine, clients: int) -> list[str]:
    """Insert the practice, one provider and `clients` clients; return the client ids."""
    uow = UnitOfWork(engine, frozen_clock())
    with uow:
        session = uow.session
        session.merge(practice_row())
        session.add(Category(id="medical", name="Medical"))
        session.add(
            Service(id=SERVICE, name="Consultation", category_id="medical", duration_min=30)
        )
        session.add(Provider(id=PROVIDER, name="Dr. Bench", buffer_min=5, slot_step_min=15))
        session.flush()
        session.add(ProviderService(provider_id=PROVIDER, service_id=SERVICE))
        hours = [(wall_time(8), wall_time(12)), (wall_time(13), wall_time(18))]
        session.add_all(weekly_hours(PROVIDER, hours))
        now = uow.now()
        session.add_all(
            [Client(id=f"c{i:02d}", name=f"Client {i}", created_at=now) for i in range(clients)]
        )
        uow.commit()
    return [f"c{i:02d}" for i in range(clients)]


def book_concurrently(engine: Engine, clients: list[str], tag: str) -> tuple[float, Tally]:
    uow = UnitOfWork(engine, frozen_clock())
    begin = at_local(FIRST_DAY, wall_time(0))
    starts = free_starts(
        uow=uow, provider_id=PROVIDER, service_id=SERVICE, start=begin, end=begin + timedelta(14)
    )[:CANDIDATES]

    def client_loop(index: int, barrier: threading.Barrier) -> Tally:
        client_id, tally = clients[index], Tally()
        own = UnitOfWork(engine, frozen_clock())
        actor = Actor(kind="client", id=client_id, channel="bench")
        rng = random.Random(index)
        barrier.wait()
        for attempt in range(ATTEMPTS_PER_CLIENT):
            tally.attempts += 1
            step = "hold"
            try:
                booking = hold_slot(
                    uow=own,
                    actor=actor,
                    client_id=client_id,
                    provider_id=PROVIDER,
                    service_id=SERVICE,
                    start=rng.choice(starts),
                    idempotency_key=f"{tag}-{client_id}-{attempt}",
                )
                step = "confirm"
                confirm_booking(uow=own, actor=actor, booking_id=booking.id)
                tally.confirmed += 1
            except SlotUnavailable as exc:
                if exc.reason == "taken":
                    tally.taken += 1
                    tally.raced += "just taken" in exc.message
                else:
                    tally.other[f"{step}: SlotUnavailable({exc.reason}): {exc}"] += 1
            except Exception as exc:
                tally.other[f"{step}: {type(exc).__name__}: {str(exc)[:160]}"] += 1
        return tally

    elapsed, tallies = run_threads(len(clients), client_loop)
    total = Tally()
    for tally in tallies:
        total.attempts += tally.attempts
        total.confirmed += tally.confirmed
        total.taken += tally.taken
        total.raced += tally.raced
        total.other.update(tally.other)
    return elapsed, total


def audit(engine: Engine) -> tuple[int, int, int]:
    """Return (double bookings, confirmed rows, holds left) as the database sees them."""
    with engine.connect() as conn:
        doubles = int(conn.execute(DOUBLE_BOOKINGS).scalar_one())
        query = text("SELECT status, count(*) FROM bookings GROUP BY status")
        rows: dict[str, int] = {status: int(n) for status, n in conn.execute(query).all()}
    return doubles, rows.get("confirmed", 0), rows.get("hold", 0)


def pg_deadlocks(pg: PostgresDatabases, name: str) -> int:
    """Deadlocks PostgreSQL detected in the database (stats flush when backends exit)."""
    time.sleep(0.5)
    with psycopg.connect(pg.conninfo("postgres"), autocommit=True) as conn:
        row = conn.execute(
            "SELECT deadlocks FROM pg_stat_database WHERE datname = %s", (name,)
        ).fetchone()
    return int(row[0]) if row else -1


def one_run(backend: str, threads: int, pg: PostgresDatabases | None, tmp: str) -> Figures:
    if backend == "postgresql":
        assert pg is not None
        name = pg.new_database(f"contention_{threads}")
        engine = make_engine(pg.url(name), keyring=process_keyring())
    else:
        name = f"contention_{threads}"
        engine = migrated_engine(sqlite_url(tmp, name))
    clients = seed(engine, threads)
    settle_heap()  # as `frontdesk serve` does once started: the booking path runs in such a heap
    counter = StatementCounter(engine)
    elapsed, tally = book_concurrently(engine, clients, f"{backend}-{threads}")
    statements = counter.take()
    doubles, confirmed_rows, holds_left = audit(engine)
    engine.dispose()
    if pg is not None and backend == "postgresql":
        deadlocks = pg_deadlocks(pg, name)
        inserts_per_s = pg_baseline(pg, name, threads, ATTEMPTS_PER_CLIENT)
    else:
        deadlocks = None  # SQLite writers queue on the database lock instead
        inserts_per_s = sqlite_baseline(f"{tmp}/{name}.db", threads, ATTEMPTS_PER_CLIENT)
    for problem, count in tally.other.most_common():
        print(f"  {backend} {threads} clients, {count} x {problem}")
    if confirmed_rows != tally.confirmed:
        print(f"  {backend} {threads}: {confirmed_rows} rows confirmed, {tally.confirmed} said so")
    if holds_left:
        print(f"  {backend} {threads}: {holds_left} holds left unconfirmed")
    attempts_per_s = tally.attempts / elapsed
    figures: Figures = {} if deadlocks is None else {"deadlocks": deadlocks}
    return figures | {
        "clients": threads,
        "attempts": tally.attempts,
        "confirmed": tally.confirmed,
        "confirmed_rows": confirmed_rows,
        "slot_taken": tally.taken,
        "slot_taken_by_constraint": tally.raced,
        "other_errors": sum(tally.other.values()),
        "holds_left": holds_left,
        "seconds": elapsed,
        "statements_per_attempt": statements / tally.attempts,
        "bookings_per_s": tally.confirmed / elapsed,
        "attempts_per_s": attempts_per_s,
        "double_bookings": doubles,
        "baseline_inserts_per_s": inserts_per_s,
        "attempts_to_inserts": attempts_per_s / inserts_per_s,
    }


COLUMNS = [
    ("clients", "clients", 0),
    ("attempts", "attempts", 0),
    ("confirmed", "confirmed", 0),
    ("slot taken", "slot_taken", 0),
    ("of which at commit", "slot_taken_by_constraint", 0),
    ("other errors", "other_errors", 0),
    ("bookings/s", "bookings_per_s", 1),
    ("attempts/s", "attempts_per_s", 1),
    ("SQL/attempt", "statements_per_attempt", 1),
    ("double bookings", "double_bookings", 0),
    ("deadlocks", "deadlocks", 0),
    ("bare INSERT/s", "baseline_inserts_per_s", 0),
    ("attempts/s ÷ INSERT/s", "attempts_to_inserts", 3),
]


def run(pg: PostgresDatabases | None) -> Figures:
    backends = ["postgresql", "sqlite"] if pg is not None else ["sqlite"]
    figures: Figures = {}
    rows: list[list[object]] = []
    with tempfile.TemporaryDirectory(prefix="frontdesk-bench-") as tmp:
        for backend in backends:
            for threads in CLIENT_COUNTS:
                result = one_run(backend, threads, pg, tmp)
                prefix = f"{backend}.clients_{threads}"
                figures.update({f"{prefix}.{key}": value for key, value in result.items()})
                cells = [fmt(result[k], d) if k in result else "n/a" for _, k, d in COLUMNS]
                rows.append([backend, *cells])
    print(
        f"### contention: one provider, {CANDIDATES} overlapping candidate starts, "
        f"{ATTEMPTS_PER_CLIENT} attempts per client\n"
    )
    print(markdown_table(["backend", *(label for label, _, _ in COLUMNS)], rows))
    print(
        "\nAt most about 45 bookings fit in the candidate starts, so bookings/s falls as clients"
        " rise;\nattempts/s is the throughput. Clients are threads of one Python process."
        " SQL/attempt counts\ncursor executes (not the pool's pre-ping). 'At commit' refusals"
        " came from the exclusion\nconstraint (PostgreSQL) after the availability check passed.\n"
    )
    if pg is not None:
        print(headline(figures))
    return figures


def headline(figures: Figures) -> str:
    """The last line: PostgreSQL's attempts over both client counts against the bare INSERTs."""
    runs = [f"postgresql.clients_{threads}" for threads in CLIENT_COUNTS]
    attempts = sum(float(figures[f"{run}.attempts"]) for run in runs)
    seconds = sum(float(figures[f"{run}.seconds"]) for run in runs)
    insert_seconds = sum(
        float(figures[f"{run}.attempts"]) / float(figures[f"{run}.baseline_inserts_per_s"])
        for run in runs
    )
    doubles = sum(int(figures[f"{run}.double_bookings"]) for run in runs)
    rate = attempts / seconds
    return (
        f"contention: postgresql {rate:.0f} attempts/s = {rate / (attempts / insert_seconds):.3f}"
        f" x bare insert, double bookings {doubles}"
    )
