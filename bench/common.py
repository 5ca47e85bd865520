"""Shared pieces: the frozen clock and policies, fresh databases, timed threads, tables."""

from __future__ import annotations

import statistics
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, date, datetime
from datetime import time as wall_time
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from psycopg.conninfo import make_conninfo
from sqlalchemy import Engine, event

from domain.kernel.clock import FrozenClock
from domain.kernel.db import make_engine
from domain.kernel.keyring import process_keyring
from domain.kernel.migrate import upgrade_schema
from domain.kernel.uow import UnitOfWork
from domain.models import PRACTICE_ROW_ID, Practice, WeeklyHours
from domain.world.loader import load_world, read_world
from testkit.pgcluster import TemporaryPostgres, find_pg_bindir

T = TypeVar("T")
Figures = dict[str, float]

ZONE_NAME = "Europe/Berlin"
ZONE = ZoneInfo(ZONE_NAME)
# A Monday morning, three weeks before the spring clock change.
NOW = datetime(2026, 3, 2, 7, 0, tzinfo=ZONE)
WEEKDAYS = range(5)  # Monday to Friday
SAMPLE_WORLD = Path(__file__).resolve().parents[1] / "evals" / "suites" / "sample" / "world.yaml"


@dataclass(frozen=True)
class WorldDatabase:
    """A database with a world loaded, on the world's frozen clock."""

    engine: Engine
    clock: FrozenClock

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.engine, self.clock)


def sample_world_database(database_url: str) -> WorldDatabase:
    """Migrate a fresh database at `database_url` and load the sample world into it."""
    engine = make_engine(database_url, keyring=process_keyring())
    upgrade_schema(engine)
    world = read_world(SAMPLE_WORLD)
    loaded = WorldDatabase(engine, FrozenClock(world.now))
    load_world(uow=loaded.uow(), world=world, base_dir=SAMPLE_WORLD.parent, source="bench")
    return loaded


def frozen_clock() -> FrozenClock:
    return FrozenClock(NOW)


def at_local(day: date, at: wall_time) -> datetime:
    """Return the UTC instant of a local wall time that exists (no DST gap in March's start)."""
    return datetime.combine(day, at, tzinfo=ZONE).astimezone(UTC)


def practice_row() -> Practice:
    return Practice(
        id=PRACTICE_ROW_ID,
        name="Bench practice",
        timezone=ZONE_NAME,
        min_notice_minutes=120,
        max_advance_days=60,
        hold_minutes=10,
        cancellation_notice_hours=24,
    )


def weekly_hours(
    provider_id: str, ranges: Sequence[tuple[wall_time, wall_time]]
) -> list[WeeklyHours]:
    return [
        WeeklyHours(provider_id=provider_id, weekday=day, opens=opens, closes=closes)
        for day in WEEKDAYS
        for opens, closes in ranges
    ]


class PostgresDatabases:
    """Fresh migrated databases on one throwaway server, copied from a template migrated once."""

    def __init__(self, server: TemporaryPostgres) -> None:
        self.server = server
        self._template: str | None = None

    def new_database(self, prefix: str) -> str:
        if self._template is None:
            template = "bench_template"
            self.server.create_database(template)
            engine = make_engine(self.server.url(template), keyring=process_keyring())
            upgrade_schema(engine)
            engine.dispose()
            self._template = template
        name = f"{prefix}_{uuid.uuid4().hex[:8]}"
        self.server.create_database(name, template=self._template)
        return name

    def url(self, name: str) -> str:
        return self.server.url(name)

    def conninfo(self, name: str) -> str:
        """Return a psycopg connection string for the database."""
        server = self.server
        return make_conninfo(host=server.host, port=server.port, user=server.user, dbname=name)

    def drop(self, name: str) -> None:
        self.server.drop_database(name)


@contextmanager
def postgres() -> Iterator[PostgresDatabases | None]:
    """Start a throwaway PostgreSQL on 127.0.0.1, or yield None (and say why) without one."""
    if find_pg_bindir() is None:
        print("PostgreSQL binaries not found: PostgreSQL figures are skipped.\n")
        yield None
        return
    with TemporaryPostgres() as server:
        yield PostgresDatabases(server)


def sqlite_url(directory: str, name: str) -> str:
    return f"sqlite:///{directory}/{name}.db"


def migrated_engine(url: str) -> Engine:
    engine = make_engine(url, keyring=process_keyring())
    upgrade_schema(engine)
    return engine


class StatementCounter:
    """Counts the SQL statements an engine sends (every cursor execute), from any thread."""

    def __init__(self, engine: Engine) -> None:
        self.count = 0
        self._lock = threading.Lock()
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, *_args: Any) -> None:
        with self._lock:
            self.count += 1

    def take(self) -> int:
        """Return the count so far and start again from zero."""
        with self._lock:
            count, self.count = self.count, 0
        return count


def run_threads(count: int, work: Callable[[int, threading.Barrier], T]) -> tuple[float, list[T]]:
    """Run work(index, barrier) in `count` threads; time from the shared barrier to the last.

    Each worker does its setup (connections), then waits on the barrier, then does its work.
    """
    barrier = threading.Barrier(count + 1)
    results: dict[int, T] = {}
    errors: list[BaseException] = []

    def target(index: int) -> None:
        try:
            results[index] = work(index, barrier)
        except BaseException as exc:
            errors.append(exc)
            barrier.abort()

    threads = [threading.Thread(target=target, args=(i,), daemon=True) for i in range(count)]
    for thread in threads:
        thread.start()
    with suppress(threading.BrokenBarrierError):
        barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise errors[0]
    return elapsed, [results[i] for i in range(count)]


def p90(samples: Sequence[float]) -> float:
    if len(samples) < 2:
        return samples[0]
    return statistics.quantiles(samples, n=10, method="inclusive")[-1]


def fmt(value: float, digits: int = 1) -> str:
    return f"{value:,.{digits}f}"


def markdown_table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)
