"""Checkpointers: a SQLite file by default, PostgreSQL when the database is PostgreSQL.

Either way what they keep (the messages, tool results repeating a client's details) is sealed
with the document keys: langgraph's EncryptedSerializer over the keyring's AES-GCM cipher.

Either way superseded checkpoints are pruned as each new one is saved (agent/pruning.py): every
checkpoint holds the whole transcript, so keeping them all would grow a conversation's bytes
with the square of its turns.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.checkpoint.serde.encrypted import EncryptedSerializer
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool
from sqlalchemy import make_url

from agent.pruning import PruningPostgresSaver, PruningSqliteSaver
from domain.kernel.keyring import CHECKPOINT_CIPHER, Keyring
from domain.kernel.private_files import private_dir, private_file


@contextmanager
def open_checkpointer(
    database_url: str, data_dir: Path, keyring: Keyring, *, prune: bool = True
) -> Iterator[BaseCheckpointSaver[str]]:
    """Yield the checkpointer that keeps conversations across restarts, set up and ready.

    `prune=False` keeps every checkpoint, as langgraph does by default (the benchmark's "before").
    """
    sealing = sealed_serializer(keyring)
    url = make_url(database_url)
    if url.get_backend_name() == "postgresql":
        conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)
        kwargs = {"autocommit": True, "prepare_threshold": 0, "row_factory": dict_row}
        with ConnectionPool(conninfo, kwargs=kwargs, min_size=1, max_size=20, open=True) as pool:
            saver = PruningPostgresSaver(pool, serde=sealing, prune=prune)
            saver.setup()
            yield saver
        return
    path = private_file(private_dir(data_dir) / "checkpoints.db")
    connection = sqlite3.connect(path, check_same_thread=False)
    try:
        connection.execute("PRAGMA journal_mode=WAL")
        saver_sqlite = PruningSqliteSaver(connection, serde=sealing, prune=prune)
        saver_sqlite.setup()
        yield saver_sqlite
    finally:
        connection.close()


def sealed_serializer(keyring: Keyring) -> EncryptedSerializer:
    """langgraph's serializer, sealing under the current key; any key of the ring opens."""
    return EncryptedSerializer(keyring)


# Where each saver keeps serialised values: (table, type column, value column).
_SQLITE_SEALED = (("checkpoints", "type", "checkpoint"), ("writes", "type", "value"))
_POSTGRES_SEALED = (("checkpoint_blobs", "type", "blob"), ("checkpoint_writes", "type", "blob"))


def rotate_checkpoints(database_url: str, data_dir: Path, keyring: Keyring, batch: int) -> int:
    """Re-seal under the current key the checkpoints sealed with retired keys; return how many."""
    url = make_url(database_url)
    if url.get_backend_name() == "postgresql":
        conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(conninfo, autocommit=True) as pg:
            return _rotate(pg, _POSTGRES_SEALED, keyring, batch, placeholder="%s")
    path = data_dir / "checkpoints.db"
    if not path.exists():
        return 0
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        return _rotate(connection, _SQLITE_SEALED, keyring, batch, placeholder="?")
    finally:
        connection.close()


def _rotate(
    connection: Any,
    tables: tuple[tuple[str, str, str], ...],
    keyring: Keyring,
    batch: int,
    *,
    placeholder: str,
) -> int:
    p = placeholder
    current = f"%+{CHECKPOINT_CIPHER}.{keyring.current_id}"
    total = 0
    for table, type_column, value_column in tables:
        # Table and column names are this module's constants, never input (S608 is moot).
        select = (
            f"SELECT {type_column}, {value_column} FROM {table} "  # noqa: S608
            f"WHERE {type_column} LIKE {p} AND {type_column} NOT LIKE {p} LIMIT {batch}"
        )
        update = (
            f"UPDATE {table} SET {type_column} = {p}, {value_column} = {p} "  # noqa: S608
            f"WHERE {type_column} = {p} AND {value_column} = {p}"
        )
        while True:
            rows = connection.execute(select, (f"%+{CHECKPOINT_CIPHER}.%", current)).fetchall()
            if not rows:
                break
            for sealed_type, sealed in rows:
                kind, cipher = sealed_type.split("+", 1)
                plain = keyring.decrypt(cipher, bytes(sealed))
                new_cipher, resealed = keyring.encrypt(plain)
                connection.execute(update, (f"{kind}+{new_cipher}", resealed, sealed_type, sealed))
            total += len(rows)
    return total
