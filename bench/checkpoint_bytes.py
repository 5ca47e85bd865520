"""Checkpoint bytes per conversation at 5, 15 and 50 turns, kept whole and pruned.

One known client plays a long conversation with the offline model through the real graph,
tools and checkpointer (sealed, as served): a question, a dermatology visit asked for on a
free day, the time picked, the confirmation declined (the pause every booking makes), and the
bookings listed — again and again. The bytes the checkpointer keeps for that conversation are
read from its tables after 5, 15 and 50 turns, with langgraph's keep-everything behaviour
(`prune=False`) and with pruning, on SQLite and (when the binaries are there) PostgreSQL.
"""

from __future__ import annotations

import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg
from sqlalchemy import make_url

from agent.checkpoint import open_checkpointer
from bench.common import (
    Figures,
    PostgresDatabases,
    fmt,
    markdown_table,
    sample_world_database,
    sqlite_url,
)
from domain.kernel.clock import FrozenClock
from domain.kernel.keyring import process_keyring
from domain.kernel.uow import UnitOfWork
from domain.scheduling.calendars import practice_policies
from domain.scheduling.slots import free_starts
from knowledge.embeddings import MiniLMEmbedder
from testkit.agents import offline_agent

MEASURED_AT = (5, 15, 50)
THREAD = "bench-long-conversation"
# Bytes per turn may wobble with what a turn said; growing by half again from 15 to 50 turns
# is no wobble (quadratic growth makes it 50/15 = 3.3 times).
LINEAR_SLACK = 1.5

_SQLITE_BYTES = (
    "SELECT (SELECT COALESCE(SUM(LENGTH(checkpoint) + LENGTH(metadata)), 0)"
    "  FROM checkpoints WHERE thread_id = ?)"
    " + (SELECT COALESCE(SUM(LENGTH(value)), 0) FROM writes WHERE thread_id = ?)"
)
_POSTGRES_BYTES = (
    "SELECT (SELECT COALESCE(SUM(pg_column_size(checkpoint) + pg_column_size(metadata)), 0)"
    "  FROM checkpoints WHERE thread_id = %(t)s)"
    " + (SELECT COALESCE(SUM(pg_column_size(blob)), 0) FROM checkpoint_blobs"
    "  WHERE thread_id = %(t)s)"
    " + (SELECT COALESCE(SUM(pg_column_size(blob)), 0) FROM checkpoint_writes"
    "  WHERE thread_id = %(t)s)"
)


def stored_bytes(database_url: str, data_dir: Path, thread_id: str) -> int:
    """The bytes the checkpointer keeps for one conversation, read from its tables."""
    url = make_url(database_url)
    if url.get_backend_name() == "postgresql":
        conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(conninfo) as pg:
            row = pg.execute(_POSTGRES_BYTES, {"t": thread_id}).fetchone()
    else:
        with sqlite3.connect(data_dir / "checkpoints.db") as lite:
            row = lite.execute(_SQLITE_BYTES, (thread_id, thread_id)).fetchone()
    return int(row[0]) if row else 0


def client_turns(uow: Callable[[], UnitOfWork], clock: FrozenClock) -> Iterator[str]:
    """What the client says, turn after turn: five-turn rounds, each asking for a new day."""
    zone = ZoneInfo(practice_policies(uow=uow()).timezone)
    start = clock.now() + timedelta(days=1)
    slots = free_starts(
        uow=uow(),
        provider_id="dr-weber",
        service_id="derm-consult",
        start=start,
        end=start + timedelta(days=40),
    )
    days = sorted({slot.astimezone(zone).date(): slot for slot in reversed(slots)}.items())
    for _day, slot in days:
        local = slot.astimezone(zone)
        yield "How late can I cancel an appointment without paying?"
        yield f"I'd like to see a dermatologist on {local.day} {local:%B}."
        yield f"{local:%H:%M}"
        yield "no"
        yield "Which appointments do I have?"


def play(database_url: str, data_dir: Path, embedder: MiniLMEmbedder, *, prune: bool) -> list[int]:
    """Play one long conversation; return the bytes kept after each of MEASURED_AT turns."""
    loaded = sample_world_database(database_url)
    engine, clock, uow = loaded.engine, loaded.clock, loaded.uow
    measured: list[int] = []
    keyring = process_keyring()
    with open_checkpointer(database_url, data_dir, keyring, prune=prune) as saver:
        agent = offline_agent(uow, data_dir / "chroma", embedder, checkpointer=saver)
        for turn, text in enumerate(client_turns(uow, clock), start=1):
            agent.send(conversation_id=THREAD, client_id="ana", channel="web", text=text)
            if turn in MEASURED_AT:
                measured.append(stored_bytes(database_url, data_dir, THREAD))
            if turn == MEASURED_AT[-1]:
                break
    engine.dispose()
    return measured


def grows_linearly(measured: list[int]) -> bool:
    """Bytes per turn at the last count stay within LINEAR_SLACK of those at the middle one."""
    (_, middle, last), (_, middle_turns, last_turns) = measured, MEASURED_AT
    return (last / last_turns) <= LINEAR_SLACK * (middle / middle_turns)


def run(pg: PostgresDatabases | None) -> Figures:
    embedder = MiniLMEmbedder()
    embedder.load()
    figures: Figures = {}
    rows: list[list[object]] = []
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        backends = ["sqlite"] + (["postgresql"] if pg is not None else [])
        for backend in backends:
            for prune in (False, True):
                label = f"{backend}.{'pruned' if prune else 'kept'}"
                data_dir = base / label
                url = (
                    pg.url(pg.new_database(label.replace(".", "_")))
                    if pg is not None and backend == "postgresql"
                    else sqlite_url(tmp, label.replace(".", "_"))
                )
                measured = play(url, data_dir, embedder, prune=prune)
                for turns, size in zip(MEASURED_AT, measured, strict=True):
                    figures[f"{label}.turns_{turns}_bytes"] = size
                figures[f"{label}.linear"] = float(grows_linearly(measured))
                linear = "yes" if grows_linearly(measured) else "no"
                sizes = [fmt(size, 0) for size in measured]
                rows.append([backend, "pruned" if prune else "all kept", *sizes, linear])
    print("### checkpoint bytes per conversation (offline model, sealed checkpoints)\n")
    header = ["database", "checkpoints", *(f"{n} turns B" for n in MEASURED_AT), "linear"]
    print(markdown_table(header, rows))
    print()
    return figures


def headline(figures: Figures) -> str:
    """The last line: the pruned figures on PostgreSQL (SQLite when no server was started)."""
    backend = "postgresql" if "postgresql.pruned.linear" in figures else "sqlite"
    sizes = [int(figures[f"{backend}.pruned.turns_{n}_bytes"]) for n in MEASURED_AT]
    linear = "yes" if figures[f"{backend}.pruned.linear"] else "no"
    return (
        f"checkpoint_bytes: {MEASURED_AT[0]} turns {sizes[0]} B, "
        f"{MEASURED_AT[1]} turns {sizes[1]} B, {MEASURED_AT[2]} turns {sizes[2]} B, "
        f"growth linear {linear}"
    )
