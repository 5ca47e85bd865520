"""Fixtures shared by every test: databases, units of work under a frozen clock, worlds."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine

from domain.kernel.clock import FrozenClock
from domain.kernel.db import make_engine
from domain.kernel.migrate import upgrade_schema
from domain.kernel.uow import UnitOfWork
from domain.world.loader import load_world, read_world
from domain.world.schema import WorldIn
from knowledge.embeddings import MiniLMEmbedder
from testkit.keys import TEST_KEYRING
from testkit.live import copy_sqlite, shared_embedder
from testkit.pgcluster import TemporaryPostgres

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_WORLD = ROOT / "evals" / "suites" / "sample" / "world.yaml"
DEMO_WORLD = ROOT / "evals" / "suites" / "demo" / "world.yaml"
SAMPLE_NOW = datetime.fromisoformat("2026-03-02T09:00:00+01:00")


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[TemporaryPostgres]:
    with TemporaryPostgres() as server:
        yield server


@pytest.fixture(scope="session")
def postgres_template(postgres_server: TemporaryPostgres) -> str:
    """A database migrated once; each test copies it instead of migrating again."""
    name = "frontdesk_template"
    postgres_server.create_database(name)
    engine = make_engine(postgres_server.url(name), keyring=TEST_KEYRING)
    upgrade_schema(engine)
    engine.dispose()
    return name


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite database given the schema once; each test copies it instead of making it."""
    path = tmp_path_factory.mktemp("sqlite-template") / "frontdesk.db"
    engine = make_engine(f"sqlite:///{path}", keyring=TEST_KEYRING)
    upgrade_schema(engine)
    engine.dispose()
    return path


def fresh_database_url(request: pytest.FixtureRequest, tmp_path: Path, backend: str) -> str:
    """A database of the test's own with the current schema: a copy of the backend's template."""
    if backend == "sqlite":
        path = tmp_path / "frontdesk.db"
        copy_sqlite(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    server: TemporaryPostgres = request.getfixturevalue("postgres_server")
    template: str = request.getfixturevalue("postgres_template")
    name = f"test_{uuid.uuid4().hex[:12]}"
    server.create_database(name, template=template)
    request.addfinalizer(lambda: server.drop_database(name))
    return server.url(name)


@pytest.fixture
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh SQLite database; integration tests override this to cover PostgreSQL too."""
    return fresh_database_url(request, tmp_path, "sqlite")


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """An engine over `database_url`, which has its schema already (fresh_database_url)."""
    engine = make_engine(database_url, keyring=TEST_KEYRING)
    yield engine
    engine.dispose()


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(SAMPLE_NOW)


@pytest.fixture
def uow(engine: Engine, clock: FrozenClock) -> UnitOfWork:
    return UnitOfWork(engine, clock)


@pytest.fixture(scope="session")
def embedder() -> MiniLMEmbedder:
    """The embedding model, loaded once for the whole session: the servers share it too."""
    return shared_embedder()


@pytest.fixture
def sample_world(uow: UnitOfWork) -> WorldIn:
    """The sample suite's world (Lindenhof Health & Law), loaded; the clock is at its `now`."""
    world = read_world(SAMPLE_WORLD)
    load_world(uow=uow, world=world, base_dir=SAMPLE_WORLD.parent, source=str(SAMPLE_WORLD))
    return world
