"""Schema management: Alembic migrations on PostgreSQL, create_all on SQLite."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, inspect, text

from domain.kernel.address_sealing import seal_sqlite_addresses
from domain.kernel.db import create_sqlite_schema, is_sqlite
from domain.kernel.sealing_conversion import (
    HEALTH_FIELDS,
    HEALTH_INDEXES,
    seal_clear_values,
)
from domain.models.sealed import keyring_of

MIGRATIONS = Path(__file__).parent.parent / "migrations"  # domain/migrations
MIGRATION_LOCK = 0x46445F4D49475241  # "FD_MIGRA": the advisory lock migrations run under
# Columns later migrations add, as a SQLite file from before them gets them (create_all adds
# tables, never columns): (table, column, the column's SQLite definition).
_TRANSLATED = ("categories", "document_kinds", "services", "providers", "knowledge_entries")
SQLITE_ADDED_COLUMNS = (  # migration 0011: the client's language, translations
    ("clients", "language", "VARCHAR(8)"),
    ("conversations", "language", "VARCHAR(8)"),
    ("practice", "languages", "JSON NOT NULL DEFAULT '[\"en\"]'"),
    *((table, "translations", "JSON NOT NULL DEFAULT '{}'") for table in _TRANSLATED),
)


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["keyring"] = keyring_of(engine.dialect)  # 0009 seals clear values
    config.set_main_option(
        "sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%")
    )
    return config


def upgrade_schema(engine: Engine) -> None:
    """Bring the database schema to the current version."""
    if is_sqlite(engine):
        _add_later_columns(engine)
        _seal_older_sqlite_file(engine)
        if seal_sqlite_addresses(engine):
            vacuum(engine)
        create_sqlite_schema(engine)
        return
    config = alembic_config(engine)
    with engine.begin() as connection:
        # Several app processes start at once on one database (docker-compose): one migrates,
        # the others wait here and then find the schema at head.
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def _add_later_columns(engine: Engine) -> None:
    """Give a SQLite file from before a migration the columns it adds (empty or defaulted)."""
    existing = inspect(engine)
    with engine.begin() as connection:
        for table, column, definition in SQLITE_ADDED_COLUMNS:
            if existing.has_table(table) and column not in {
                c["name"] for c in existing.get_columns(table)
            }:
                connection.execute(text(f"ALTER TABLE {table} ADD COLUMN {column} {definition}"))


def _seal_older_sqlite_file(engine: Engine) -> None:
    """Seal the clear values of a SQLite file from before sealing (what 0009 does on PostgreSQL).

    SQLite keeps any text in any column, so only the blind index columns are added; VACUUM then
    rewrites the file, so the clear values are not left behind in its free pages.
    """
    existing = inspect(engine)
    if not existing.has_table("clients"):
        return
    missing = [
        (table, index)
        for table, _column, index in HEALTH_INDEXES
        if existing.has_table(table)
        and index not in {c["name"] for c in existing.get_columns(table)}
    ]
    if not missing:
        return
    whole = ("clients", "phone_index") in missing  # a file from before any sealing
    with engine.begin() as connection:
        for table, index in missing:
            connection.execute(text(f"ALTER TABLE {table} ADD COLUMN {index} VARCHAR(64)"))
            connection.execute(text(f"CREATE INDEX ix_{table}_{index} ON {table} ({index})"))
        # A file from before any sealing: every table it has. A file sealed before codes and
        # notifications were: only those now.
        later = frozenset(table for table, _ in missing) | {"notifications"}
        tables = frozenset(existing.get_table_names()) if whole else later
        seal_clear_values(
            connection,
            keyring_of(engine.dialect),
            fields=HEALTH_FIELDS,
            indexes=HEALTH_INDEXES,
            tables=tables,
            digest_idempotency_keys=whole,
        )
    vacuum(engine)


def vacuum(engine: Engine) -> None:
    """Rewrite a SQLite file, so values it kept in clear do not linger in its free pages."""
    raw = engine.raw_connection()  # VACUUM runs outside a transaction, which SQLAlchemy begins
    try:
        raw.driver_connection.execute("VACUUM")  # type: ignore[union-attr]
    finally:
        raw.close()
