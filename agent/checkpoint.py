"""Checkpointers: a SQLite file by default, PostgreSQL when the database is PostgreSQL.

Either way what they keep (the messages, tool results repeating a client's details) is sealed
with the document keys: langgraph's EncryptedSerializer over the keyring's AES-GCM cipher.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.checkpoint.postgres import PostgresSaver
from langgraph.checkpoint.serde.encrypted import EncryptedSerializer
from langgraph.checkpoint.sqlite import SqliteSaver
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool
from sqlalchemy import make_url

from domain.kernel.keyring import Keyring


@contextmanager
def open_checkpointer(
    database_url: str, data_dir: Path, keyring: Keyring
) -> Iterator[BaseCheckpointSaver[str]]:
    """Yield the checkpointer that keeps conversations across restarts, set up and ready."""
    sealing = sealed_serializer(keyring)
    url = make_url(database_url)
    if url.get_backend_name() == "postgresql":
        conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)
        kwargs = {"autocommit": True, "prepare_threshold": 0, "row_factory": dict_row}
        with ConnectionPool(conninfo, kwargs=kwargs, min_size=1, max_size=20, open=True) as pool:
            saver = PostgresSaver(pool, serde=sealing)  # type: ignore[arg-type]
            saver.setup()
            yield saver
        return
    data_dir.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(data_dir / "checkpoints.db", check_same_thread=False)
    try:
        connection.execute("PRAGMA journal_mode=WAL")
        saver_sqlite = SqliteSaver(connection, serde=sealing)
        saver_sqlite.setup()
        yield saver_sqlite
    finally:
        connection.close()


def sealed_serializer(keyring: Keyring) -> EncryptedSerializer:
    """langgraph's serializer, sealing under the current key; any key of the ring opens."""
    return EncryptedSerializer(keyring)
