"""Checkpointers: a SQLite file by default, PostgreSQL when the database is PostgreSQL."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.checkpoint.postgres import PostgresSaver
from langgraph.checkpoint.sqlite import SqliteSaver
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool
from sqlalchemy import make_url

from domain.kernel.private_files import private_dir, private_file


@contextmanager
def open_checkpointer(database_url: str, data_dir: Path) -> Iterator[BaseCheckpointSaver[str]]:
    """Yield the checkpointer that keeps conversations across restarts, set up and ready."""
    url = make_url(database_url)
    if url.get_backend_name() == "postgresql":
        conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)
        kwargs = {"autocommit": True, "prepare_threshold": 0, "row_factory": dict_row}
        with ConnectionPool(conninfo, kwargs=kwargs, min_size=1, max_size=20, open=True) as pool:
            saver = PostgresSaver(pool)  # type: ignore[arg-type]
            saver.setup()
            yield saver
        return
    path = private_file(private_dir(data_dir) / "checkpoints.db")
    connection = sqlite3.connect(path, check_same_thread=False)
    try:
        connection.execute("PRAGMA journal_mode=WAL")
        saver_sqlite = SqliteSaver(connection)
        saver_sqlite.setup()
        yield saver_sqlite
    finally:
        connection.close()
