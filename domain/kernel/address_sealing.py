"""Sealing where clients are on each channel (migration 0010) in a SQLite file made before it.

`channel_identities` and `sms_opt_outs` were keyed by the address itself. Sealed, an address is
different text every time it is written, so each row gets an id of its own and its blind index
keeps addresses unique. SQLite cannot change a primary key: the old tables are renamed, the new
ones made from the models, and the rows copied, then sealed where they are.
"""

from __future__ import annotations

import uuid

from sqlalchemy import Connection, Engine, inspect, text
from sqlmodel import SQLModel

from domain.kernel.sealing_conversion import ADDRESS_FIELDS, ADDRESS_INDEXES, seal_clear_values
from domain.models.sealed import keyring_of

OPEN_ADDRESS_INDEX = "uq_conversations_open_address"
# The rows each rebuilt table copies from its clear predecessor (the id is new).
REBUILT = {
    "channel_identities": ("channel", "address", "client_id"),
    "sms_opt_outs": ("phone", "opted_out_at"),
}


def seal_sqlite_addresses(engine: Engine) -> bool:
    """Seal a SQLite file's channel addresses if it keeps them in clear; True if it did."""
    existing = inspect(engine)
    if not existing.has_table("conversations"):
        return False
    if "address_index" in {c["name"] for c in existing.get_columns("conversations")}:
        return False
    tables = set(existing.get_table_names())
    # Table and index names below are this module's constants, never input: S608 is moot.
    with engine.begin() as connection:
        connection.execute(text(f"DROP INDEX IF EXISTS {OPEN_ADDRESS_INDEX}"))
        connection.execute(text("DROP INDEX IF EXISTS ix_conversations_address"))
        connection.execute(text("ALTER TABLE conversations ADD COLUMN address_index VARCHAR(64)"))
        for table, columns in REBUILT.items():
            if table in tables:
                _move_aside(connection, table, [i["name"] for i in existing.get_indexes(table)])
            SQLModel.metadata.tables[table].create(connection)
            if table in tables:
                _copy_with_ids(connection, table, columns)
        seal_clear_values(
            connection,
            keyring_of(engine.dialect),
            fields=ADDRESS_FIELDS,
            indexes=ADDRESS_INDEXES,
            digest_idempotency_keys=False,
        )
        for index in SQLModel.metadata.tables["conversations"].indexes:
            if index.name == OPEN_ADDRESS_INDEX:
                index.create(connection)
        for table in REBUILT:
            connection.execute(text(f"DROP TABLE IF EXISTS {table}_clear"))
    return True


def _move_aside(connection: Connection, table: str, indexes: list[str | None]) -> None:
    for index in indexes:
        if index:
            connection.execute(text(f"DROP INDEX IF EXISTS {index}"))
    connection.execute(text(f"ALTER TABLE {table} RENAME TO {table}_clear"))


def _copy_with_ids(connection: Connection, table: str, columns: tuple[str, ...]) -> None:
    listed = ", ".join(columns)
    rows = connection.execute(text(f"SELECT {listed} FROM {table}_clear")).all()  # noqa: S608
    values = ", ".join(f":{c}" for c in columns)
    insert = text(f"INSERT INTO {table} (id, {listed}) VALUES (:id, {values})")  # noqa: S608
    for row in rows:
        connection.execute(insert, {"id": uuid.uuid4().hex, **row._mapping})
