"""Engines for SQLite (embedded default) and PostgreSQL, and schema creation."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, exc, inspect, make_url
from sqlmodel import SQLModel

import domain.models  # noqa: F401  (registers every table on the metadata)
from domain.kernel.keyring import Keyring
from domain.kernel.private_files import private_file
from domain.models.sealed import attach_keyring

# Execution option read when a SQLite transaction begins: IMMEDIATE takes the write lock up
# front, so two writers queue on busy_timeout instead of failing when one upgrades its lock.
SQLITE_BEGIN = "sqlite_begin"

# A pooled PostgreSQL connection idle longer than this is pinged before it is handed out (the
# server may have closed it meanwhile); one checked in a moment ago is not. The pool's own
# pre-ping pings every checkout: a round trip and more CPU than a refused hold's own statement.
PING_AFTER_IDLE_S = 1.0
_IDLE_SINCE = "idle_since"


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def make_engine(url: str, *, keyring: Keyring) -> Engine:
    """Build an engine for the URL with the connection settings Frontdesk relies on.

    `keyring` seals and opens the columns kept encrypted at rest (domain.models.sealed).
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = _sqlite_engine(url, parsed.database)
    else:
        engine = create_engine(url, pool_size=10, max_overflow=40)
        _ping_when_idle(engine)
    attach_keyring(engine, keyring)
    return engine


def _ping_when_idle(engine: Engine) -> None:
    """Ping a connection on checkout when it sat in the pool longer than PING_AFTER_IDLE_S.

    A dead one is replaced (the pool retries the checkout) and the pool's older connections
    are dropped, as pre-ping would do. A connection that dies in the moment between its last
    use and the next makes that one statement fail, and the pool is invalidated then.
    """
    dialect = engine.dialect

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info[_IDLE_SINCE] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get(_IDLE_SINCE)
        if since is None or time.monotonic() - since <= PING_AFTER_IDLE_S:
            return  # fresh, or in use a moment ago
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as error:
            if not dialect.is_disconnect(error, dbapi_connection, None):
                raise
            raise exc.InvalidatePoolError(str(error)) from error


def _sqlite_engine(url: str, database: str | None) -> Engine:
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).parent.mkdir(parents=True, exist_ok=True)
        private_file(Path(database))  # SQLite gives its -wal and -shm files the same mode
    engine = create_engine(
        url, connect_args={"timeout": 30, "check_same_thread": False}, pool_size=20, max_overflow=80
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event emit BEGIN itself instead of pysqlite's implicit one.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        mode = connection.get_execution_options().get(SQLITE_BEGIN, "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")

    return engine


class OutdatedSchema(RuntimeError):
    """A SQLite file written by an older Frontdesk, lacking columns this one needs."""


def create_sqlite_schema(engine: Engine) -> None:
    """Create every table on SQLite straight from the models (PostgreSQL uses migrations).

    create_all adds missing tables but never columns, so a file from an older release is
    refused by name here rather than failing later, request by request.
    """
    SQLModel.metadata.create_all(engine)
    existing = inspect(engine)
    missing = [
        f"{table.name}.{column.name}"
        for table in SQLModel.metadata.sorted_tables
        for column in table.columns
        if column.name not in {c["name"] for c in existing.get_columns(table.name)}
    ]
    if missing:
        raise OutdatedSchema(
            f"{engine.url.database} was made by an older Frontdesk and lacks "
            f"{', '.join(missing)}. Move it aside to start afresh (the demo world is loaded "
            "again), or keep your data on PostgreSQL, whose schema `frontdesk db upgrade` migrates."
        )
