"""Column types: UTC instants that survive SQLite, JSON lists and objects."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, text
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """An aware UTC instant: timestamptz on PostgreSQL, naive UTC text on SQLite."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are ambiguous; pass an aware one")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utc_column(*, nullable: bool = False, index: bool = False) -> Any:
    """Return a fresh column of UTC instants (SQLModel needs one Column object per field)."""
    return Column(UTCDateTime(), nullable=nullable, index=index)


def json_column(server_default: str | None = None) -> Any:
    """Return a fresh non-null JSON column; `server_default` (JSON text) fills rows inserted
    without it, as migrations that add such a column to existing rows give it."""
    if server_default is None:
        return Column(JSON, nullable=False)
    return Column(JSON, nullable=False, server_default=text(f"'{server_default}'"))
