"""A suite's world, loaded and indexed once, handed out as fresh databases for each trial."""

from __future__ import annotations

import itertools
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from contextlib import ExitStack, closing, contextmanager
from pathlib import Path
from types import TracebackType

import httpx
from langgraph.checkpoint.memory import InMemorySaver
from sqlalchemy import Engine

from agent.graph import build_graph
from agent.models import ModelSettings, chat_model
from agent.runner import ConversationAgent
from domain.kernel.clock import FrozenClock
from domain.kernel.db import make_engine
from domain.kernel.keyring import process_keyring
from domain.kernel.migrate import upgrade_schema
from domain.kernel.uow import UnitOfWork
from domain.world.loader import load_world
from domain.world.schema import WorldIn
from knowledge.embeddings import MiniLMEmbedder
from knowledge.entries import entries_from_database
from knowledge.index import KnowledgeIndex
from tools import ToolDeps, make_tools

Uow = Callable[[], UnitOfWork]


class WorldCopies:
    """The world is loaded into one SQLite file and its knowledge indexed once; every trial
    gets its own copy of that file. The index is only read in a conversation: trials share it.
    """

    def __init__(self, world: WorldIn, *, base_dir: Path, embedder: MiniLMEmbedder) -> None:
        self.world = world
        self.base_dir = base_dir
        self.embedder = embedder
        self._opened = ExitStack()
        self._copies = itertools.count(1)
        self.scratch = Path()
        self.knowledge: KnowledgeIndex

    def __enter__(self) -> WorldCopies:
        self.scratch = Path(
            self._opened.enter_context(tempfile.TemporaryDirectory(prefix="frontdesk-eval-"))
        )
        with _engine(self.scratch / "world.db") as engine:
            upgrade_schema(engine)
            loaded = UnitOfWork(engine, FrozenClock(self.world.now))
            load_world(
                uow=loaded, world=self.world, base_dir=self.base_dir, source=self.base_dir.name
            )
            self.knowledge = self._opened.enter_context(
                KnowledgeIndex.open(self.scratch / "chroma", self.embedder)
            )
            self.knowledge.reindex(entries_from_database(loaded))
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._opened.close()

    @contextmanager
    def fresh(self) -> Iterator[Uow]:
        """A copy of the loaded world, its clock frozen at the world's `now`; gone afterwards."""
        copy = self.scratch / f"trial-{next(self._copies)}.db"
        with (
            closing(sqlite3.connect(self.scratch / "world.db")) as source,
            closing(sqlite3.connect(copy)) as target,
        ):
            source.backup(target)  # consistent whatever the journal holds
        try:
            with _engine(copy) as engine:
                clock = FrozenClock(self.world.now)
                yield lambda: UnitOfWork(engine, clock)
        finally:
            copy.unlink()

    def agent(
        self, uow: Uow, model: ModelSettings, http: httpx.Client | None = None
    ) -> ConversationAgent:
        """The agent as the server builds it, over this copy, with a checkpointer of its own."""
        graph = build_graph(
            model=chat_model(model, http_client=http),
            tools=make_tools(ToolDeps(uow=uow, knowledge=self.knowledge)),
            uow=uow,
            checkpointer=InMemorySaver(),
        )
        return ConversationAgent(graph, uow)


@contextmanager
def _engine(path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{path}", keyring=process_keyring())
    try:
        yield engine
    finally:
        engine.dispose()
