"""Sealing the values an older Frontdesk kept in clear text, and opening them again.

Used by migrations 0009 and 0010 on PostgreSQL and by the SQLite upgrade; statements are plain
SQL on the columns' stored text, so neither the ORM nor the sealed column types are involved.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, text

from domain.kernel.keyring import ENVELOPE, Keyring


@dataclass(frozen=True)
class SealedField:
    table: str
    column: str
    row: str  # the column naming the row the value is bound to
    codec: str  # text | json | bytes
    key: str = "id"  # the primary key, to write the row back


HEALTH_FIELDS = (  # sealed by migration 0009
    SealedField("clients", "phone", "id", "text"),
    SealedField("clients", "email", "id", "text"),
    SealedField("clients", "profile", "id", "json"),
    SealedField("bookings", "intake", "id", "json"),
    SealedField("conversations", "last_message", "id", "text"),
    SealedField("conversation_entries", "text", "conversation_id", "text"),
    SealedField("conversation_entries", "extra", "conversation_id", "json"),
    SealedField("generated_forms", "content", "id", "bytes"),
    SealedField("verification_codes", "sent_to", "id", "text"),
    SealedField("notifications", "to_address", "outbox_id", "text"),
)
HEALTH_INDEXES = (
    ("clients", "phone", "phone_index"),
    ("clients", "email", "email_index"),
    ("verification_codes", "sent_to", "sent_to_index"),
)
ADDRESS_FIELDS = (  # sealed by migration 0010: where clients are on each channel
    SealedField("channel_identities", "address", "id", "text"),
    SealedField("conversations", "address", "id", "text"),
    SealedField("sms_opt_outs", "phone", "id", "text"),
)
ADDRESS_INDEXES = (
    ("channel_identities", "address", "address_index"),
    ("conversations", "address", "address_index"),
    ("sms_opt_outs", "phone", "phone_index"),
)
SEALED_FIELDS = HEALTH_FIELDS + ADDRESS_FIELDS
BLIND_INDEXES = HEALTH_INDEXES + ADDRESS_INDEXES
# Sealed from their first row, so no migration converts them; key rotation re-seals them too.
SEALED_FROM_THE_START = (
    SealedField("calendar_connections", "url", "id", "text"),
    SealedField("calendar_connections", "password", "id", "text"),
)
ROTATED_FIELDS = SEALED_FIELDS + SEALED_FROM_THE_START


def _plain_bytes(field: SealedField, stored: Any) -> bytes:
    if field.codec == "bytes":
        # Migration 0009 turned the bytes column into text holding them in base64.
        return base64.b64decode(stored) if isinstance(stored, str) else bytes(stored)
    if field.codec == "json":
        value = json.loads(stored) if isinstance(stored, str) else stored
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()
    return str(stored).encode()


def seal_clear_values(
    connection: Connection,
    keyring: Keyring,
    *,
    fields: tuple[SealedField, ...] = SEALED_FIELDS,
    indexes: tuple[tuple[str, str, str], ...] = BLIND_INDEXES,
    tables: frozenset[str] | None = None,
    digest_idempotency_keys: bool = True,
) -> None:
    """Seal every clear value of the sealed columns, bound to its row; fill the blind indexes.

    `tables` limits it to the tables named (an older file may not have them all, or was sealed
    before some were); idempotency keys are digested once, in the first conversion.
    """
    # Table and column names below are this module's constants, never input: S608 is moot.
    for table, column, index in indexes:
        if tables is not None and table not in tables:
            continue
        # An empty value (a conversation with no address) has nothing to be found by.
        clear = (
            f"SELECT id, {column} FROM {table} WHERE {column} IS NOT NULL"  # noqa: S608
            f" AND {column} <> '' AND {column} NOT LIKE '{ENVELOPE}:%'"
        )
        for key, value in connection.execute(text(clear)).all():
            connection.execute(
                text(f"UPDATE {table} SET {index} = :value WHERE id = :id"),  # noqa: S608
                {"value": keyring.blind_index(value), "id": key},
            )
    for field in fields:
        if tables is not None and field.table not in tables:
            continue
        for key, row, stored in _rows(connection, field, sealed=False):
            bound_to = f"{field.table}.{field.column}:{row}"
            _write(
                connection,
                field,
                key,
                keyring.seal_field(_plain_bytes(field, stored), bound_to=bound_to),
            )
    if not digest_idempotency_keys:
        return
    for (key,) in connection.execute(text("SELECT key FROM idempotency_keys")).all():
        connection.execute(
            text("UPDATE idempotency_keys SET key = :digest WHERE key = :key"),
            {"digest": keyring.blind_index(key), "key": key},
        )


def open_sealed_values(
    connection: Connection, keyring: Keyring, *, fields: tuple[SealedField, ...] = SEALED_FIELDS
) -> None:
    """Open every sealed value again (a downgrade); form bytes come back in base64 text."""
    for field in fields:
        for key, row, envelope in _rows(connection, field, sealed=True):
            bound_to = f"{field.table}.{field.column}:{row}"
            plain = keyring.open_field(envelope, bound_to=bound_to)
            opened = base64.b64encode(plain).decode() if field.codec == "bytes" else plain.decode()
            _write(connection, field, key, opened)


def _rows(connection: Connection, field: SealedField, *, sealed: bool) -> list[Any]:
    which = "LIKE" if sealed else "NOT LIKE"
    query = (
        f"SELECT {field.key}, {field.row}, {field.column} FROM {field.table} "  # noqa: S608
        f"WHERE {field.column} IS NOT NULL AND {field.column} {which} '{ENVELOPE}:%'"
    )
    return list(connection.execute(text(query)).all())


def _write(connection: Connection, field: SealedField, key: Any, value: str) -> None:
    connection.execute(
        text(f"UPDATE {field.table} SET {field.column} = :value WHERE {field.key} = :key"),  # noqa: S608
        {"value": value, "key": key},
    )
