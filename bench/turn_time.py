"""Server time per conversational turn with the offline model, by checkpointer and language.

Each run plays the same scripted bookings (new clients: ask, pick, give intake, confirm)
through the real graph, tools and knowledge index; the in-memory checkpointer on the same
database is the baseline measured in the same run. The same bookings said in German and in
Russian, on SQLite with the in-memory checkpointer, give each language's time per turn
against English's in the same run.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.checkpoint.memory import InMemorySaver

from agent.checkpoint import open_checkpointer
from bench.common import (
    Figures,
    PostgresDatabases,
    fmt,
    markdown_table,
    sample_world_database,
    sqlite_url,
)
from domain.booking.reading import list_client_bookings
from domain.clients.registration import register_client
from domain.kernel.actors import SYSTEM
from domain.kernel.clock import FrozenClock
from domain.kernel.keyring import process_keyring
from domain.kernel.uow import UnitOfWork
from domain.scheduling.calendars import practice_policies
from domain.scheduling.slots import free_starts
from knowledge.embeddings import MiniLMEmbedder
from testkit.agents import offline_agent

CONVERSATIONS = 12
_MONTHS_DE = (
    "Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September",
    "Oktober", "November", "Dezember",
)  # fmt: skip
_MONTHS_RU = (
    "января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября",
    "октября", "ноября", "декабря",
)  # fmt: skip


def turns_in(language: str, local: datetime) -> list[str]:
    """Return one booking's four turns as a client writes them in this language."""
    day, month, at = local.day, local.month - 1, f"{local:%H:%M}"
    if language == "de":
        return [
            f"Ich möchte einen Termin beim Hautarzt am {day}. {_MONTHS_DE[month]}.",
            at,
            "Geboren am 12. Mai 1985, Versichertennummer TK-1234567.",
            "ja, bitte",
        ]
    if language == "ru":
        return [
            f"Хочу записаться к дерматологу {day} {_MONTHS_RU[month]}.",
            at,
            "Дата рождения 12.05.1985, номер полиса TK-1234567.",
            "да, подтверждаю",
        ]
    return [
        f"I'd like to see a dermatologist on {local.day} {local:%B}.",
        at,
        "My date of birth is 12 May 1985 and my insurance number is TK-1234567.",
        "yes",
    ]


def world_zone(uow: Callable[[], UnitOfWork]) -> str:
    return practice_policies(uow=uow()).timezone


def script(
    uow: Callable[[], UnitOfWork], clock: FrozenClock, language: str = "en"
) -> list[tuple[str, list[str]]]:
    """Return (client id, turns) for conversations that each book a different free slot."""
    start = clock.now() + timedelta(days=1)
    slots = free_starts(
        uow=uow(),
        provider_id="dr-weber",
        service_id="derm-consult",
        start=start,
        end=start + timedelta(days=12),
    )
    picked = slots[:: max(1, len(slots) // CONVERSATIONS)][:CONVERSATIONS]
    conversations = []
    for index, slot in enumerate(picked):
        client = register_client(
            uow=uow(),
            actor=SYSTEM,
            name=f"Bench Client {index}",
            phone=f"+4917055{index:05d}",
            idempotency_key=f"bench-{index}",
        )
        local = slot.astimezone(ZoneInfo(world_zone(uow)))
        conversations.append((client.id, turns_in(language, local)))
    return conversations


def measure(
    database_url: str,
    checkpointer: AbstractContextManager[BaseCheckpointSaver[str]],
    embedder: MiniLMEmbedder,
    workdir: Path,
    language: str = "en",
) -> tuple[list[float], int]:
    """Play the script on a fresh copy of the world; return turn times (s) and bookings made."""
    loaded = sample_world_database(database_url)
    engine, clock, uow = loaded.engine, loaded.clock, loaded.uow
    timings: list[float] = []
    booked = 0
    with checkpointer as saver:
        agent = offline_agent(uow, workdir / "chroma", embedder, checkpointer=saver)
        for number, (client_id, turns) in enumerate(script(uow, clock, language)):
            for text in turns:
                began = time.perf_counter()
                agent.send(
                    conversation_id=f"bench-{number}", client_id=client_id, channel="web", text=text
                )
                timings.append(time.perf_counter() - began)
            booked += len(list_client_bookings(uow=uow(), actor=SYSTEM, client_id=client_id))
    engine.dispose()
    return timings, booked


@contextmanager
def in_memory() -> Iterator[BaseCheckpointSaver[str]]:
    yield InMemorySaver()


def p99(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=100)[98]


def run(pg: PostgresDatabases | None) -> Figures:
    embedder = MiniLMEmbedder()
    embedder.load()
    runs: dict[str, tuple[list[float], int]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        runs["sqlite db, in-memory checkpointer"] = measure(
            sqlite_url(tmp, "memory"), in_memory(), embedder, base / "a"
        )
        for language, name in (("de", "German"), ("ru", "Russian")):
            runs[f"sqlite db, in-memory checkpointer, {name}"] = measure(
                sqlite_url(tmp, f"memory_{language}"),
                in_memory(),
                embedder,
                base / language,
                language,
            )
        runs["sqlite db, sqlite checkpointer"] = measure(
            sqlite_url(tmp, "sqlite"),
            open_checkpointer(sqlite_url(tmp, "x"), base / "b", process_keyring()),
            embedder,
            base / "b",
        )
        if pg is not None:
            for label, name in (
                ("postgresql db, in-memory checkpointer", "turns_memory"),
                ("postgresql db, postgresql checkpointer", "turns_pg"),
            ):
                database = pg.new_database(name)
                saver = (
                    in_memory()
                    if "in-memory" in label
                    else open_checkpointer(pg.url(database), base / name, process_keyring())
                )
                runs[label] = measure(pg.url(database), saver, embedder, base / name)
    baselines = {"sqlite": statistics.median(runs["sqlite db, in-memory checkpointer"][0])}
    if pg is not None:
        baselines["postgresql"] = statistics.median(
            runs["postgresql db, in-memory checkpointer"][0]
        )
    rows: list[list[object]] = []
    figures: Figures = {}
    for label, (samples, booked) in runs.items():
        median = statistics.median(samples)
        ratio = median / baselines[label.split()[0]]
        key = label.replace(" ", "_").replace(",", "")
        figures |= {
            f"{key}.median_ms": median * 1000,
            f"{key}.p99_ms": p99(samples) * 1000,
            f"{key}.ratio_to_in_memory": ratio,
            f"{key}.booked": booked,
        }
        rows.append(
            [
                label,
                len(samples),
                f"{booked}/{CONVERSATIONS}",
                fmt(median * 1000),
                fmt(p99(samples) * 1000),
                fmt(ratio, 2),
            ]
        )
    print(f"### server time per turn, offline model, {CONVERSATIONS} four-turn bookings\n")
    print(
        markdown_table(
            [
                "configuration",
                "turns",
                "booked",
                "median ms",
                "p99 ms",
                "median ÷ in-memory median (same database, English)",
            ],
            rows,
        )
    )
    print()
    return figures
