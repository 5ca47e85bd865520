"""Schema management: Alembic migrations on PostgreSQL, create_all on SQLite."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

from domain.kernel.db import create_sqlite_schema, is_sqlite

MIGRATIONS = Path(__file__).parent.parent / "migrations"  # domain/migrations


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option(
        "sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%")
    )
    return config


def upgrade_schema(engine: Engine) -> None:
    """Bring the database schema to the current version."""
    if is_sqlite(engine):
        create_sqlite_schema(engine)
        return
    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
