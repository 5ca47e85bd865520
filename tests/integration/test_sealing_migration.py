"""Migration 0009 seals the values an older Frontdesk kept in clear text, and its downgrade
opens them again; an older SQLite file is sealed (and vacuumed) when it is opened."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Engine, text
from sqlmodel import col, select

from domain.kernel.clock import FrozenClock
from domain.kernel.db import make_engine
from domain.kernel.migrate import alembic_config, upgrade_schema
from domain.kernel.uow import UnitOfWork
from domain.models import Client, Conversation, GeneratedForm
from testkit.keys import TEST_KEYRING
from testkit.pgcluster import TemporaryPostgres

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
CLEAR = ("+4917099887766", "1955-01-30", "Tongan", "Kirchweg 5", "FORM-BYTES-7")


def insert_clear_rows(engine: Engine) -> None:
    with engine.begin() as c:
        c.execute(
            text(
                "INSERT INTO clients (id, name, phone, email, profile, created_at, version) VALUES"
                " ('old', 'Old Client', '+4917099887766', 'old@example.org',"
                ' \'{"date_of_birth": "1955-01-30", "nationality": "Tongan"}\', :now, 1)'
            ),
            {"now": NOW},
        )
        c.execute(
            text(
                "INSERT INTO conversations (id, client_id, channel, address, status,"
                " handoff_reason, last_message, created_at, updated_at)"
                " VALUES ('conv', 'old', 'web', 'x', 'bot', '', 'I live at Kirchweg 5', :now, :now)"
            ),
            {"now": NOW},
        )
        c.execute(
            text(
                "INSERT INTO conversation_entries (conversation_id, at, author, text, extra,"
                " seen_by_agent)"
                " VALUES ('conv', :now, 'client', 'I live at Kirchweg 5', '{}', true)"
            ),
            {"now": NOW},
        )


@pytest.mark.postgres
def test_migration_0009_seals_clear_values_and_its_downgrade_opens_them(
    postgres_server: TemporaryPostgres,
) -> None:
    postgres_server.create_database("before_sealing")
    engine = make_engine(postgres_server.url("before_sealing"), keyring=TEST_KEYRING)
    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0008")
    insert_clear_rows(engine)
    upgrade_schema(engine)
    with engine.connect() as c:
        dump = " ".join(
            str(v)
            for table in ("clients", "conversations", "conversation_entries")
            for row in c.execute(text(f"SELECT * FROM {table}"))
            for v in row
        )
    assert [value for value in CLEAR[:4] if value in dump] == []
    with UnitOfWork(engine, FrozenClock(NOW)).reading() as uow:
        client = uow.session.get(Client, "old")
        assert client is not None
        assert client.profile["nationality"] == "Tongan"
        by_phone = uow.session.exec(select(Client).where(col(Client.phone) == CLEAR[0]))
        assert [c.id for c in by_phone] == ["old"]
        conversation = uow.session.get(Conversation, "conv")
        assert conversation is not None
        assert conversation.last_message == "I live at Kirchweg 5"
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0007")
    with engine.connect() as c:
        phone, profile = c.execute(text("SELECT phone, profile::text FROM clients")).one()
    assert phone == CLEAR[0]
    assert "Tongan" in profile
    engine.dispose()


def test_an_older_sqlite_file_is_sealed_when_opened(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    engine = make_engine(f"sqlite:///{path}", keyring=TEST_KEYRING)
    upgrade_schema(engine)
    with engine.begin() as c:
        c.execute(text("DROP INDEX ix_clients_phone_index"))
        c.execute(text("DROP INDEX ix_clients_email_index"))
        c.execute(text("ALTER TABLE clients DROP COLUMN phone_index"))
        c.execute(text("ALTER TABLE clients DROP COLUMN email_index"))
    insert_clear_rows(engine)
    engine.dispose()
    reopened = make_engine(f"sqlite:///{path}", keyring=TEST_KEYRING)
    upgrade_schema(reopened)
    with UnitOfWork(reopened, FrozenClock(NOW)).reading() as uow:
        client = uow.session.get(Client, "old")
        assert client is not None
        assert client.phone == CLEAR[0]
        assert uow.session.get(GeneratedForm, "none") is None
    reopened.dispose()
    with sqlite3.connect(path) as checkpointed:
        checkpointed.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    kept = b"".join(p.read_bytes() for p in tmp_path.iterdir())
    assert [value for value in CLEAR[:4] if value.encode() in kept] == []
