"""Migration 0010 seals where clients are on each channel (identities, conversations' addresses,
SMS opt-outs) and finds them again by their blind index; an older SQLite file is converted when
it is opened. Its downgrade opens them again."""

from __future__ import annotations

import sqlite3
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Engine, text
from sqlmodel import select

from domain.kernel.clock import FrozenClock
from domain.kernel.db import make_engine
from domain.kernel.migrate import SQLITE_ADDED_COLUMNS, alembic_config, upgrade_schema
from domain.kernel.uow import UnitOfWork
from domain.models import Conversation, Practice, find_identity, opt_out_of
from testkit.keys import TEST_KEYRING
from testkit.pgcluster import TemporaryPostgres

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PHONE = "+4917011223344"
CHAT = "7001234"

OLD_SQLITE_TABLES = (
    "CREATE TABLE channel_identities (channel VARCHAR(16) NOT NULL, address VARCHAR(255) NOT"
    " NULL, client_id VARCHAR NOT NULL, PRIMARY KEY (channel, address))",
    "CREATE TABLE sms_opt_outs (phone VARCHAR(32) NOT NULL, opted_out_at DATETIME NOT NULL,"
    " PRIMARY KEY (phone))",
)


def said(conversation_id: str) -> str:
    """An empty last message, sealed as 0009 left it."""
    return TEST_KEYRING.seal_field(b"", bound_to=f"conversations.last_message:{conversation_id}")


def insert_clear_addresses(engine: Engine) -> None:
    with engine.begin() as c:
        c.execute(
            text(
                "INSERT INTO clients (id, name, profile, created_at, version)"
                " VALUES ('texter', 'Old Texter', 'fd1:x:y', :now, 1)"
            ),
            {"now": NOW},
        )
        for channel, address in (("sms", PHONE), ("telegram", CHAT)):
            c.execute(
                text(
                    "INSERT INTO channel_identities (channel, address, client_id)"
                    " VALUES (:channel, :address, 'texter')"
                ),
                {"channel": channel, "address": address},
            )
        c.execute(
            text(
                "INSERT INTO conversations (id, client_id, channel, address, status,"
                " handoff_reason, last_message, created_at, updated_at)"
                " VALUES ('conv', 'texter', 'sms', :phone, 'bot', '', :said, :now, :now),"
                " ('quiet', NULL, 'web', '', 'bot', '', :quiet, :now, :now)"
            ),
            {"now": NOW, "phone": PHONE, "said": said("conv"), "quiet": said("quiet")},
        )
        c.execute(
            text("INSERT INTO sms_opt_outs (phone, opted_out_at) VALUES (:phone, :now)"),
            {"phone": PHONE, "now": NOW},
        )


def assert_found_by_address(engine: Engine) -> None:
    with UnitOfWork(engine, FrozenClock(NOW)).reading() as uow:
        sms = find_identity(uow.session, "sms", PHONE)
        telegram = find_identity(uow.session, "telegram", CHAT)
        assert (sms and sms.client_id, telegram and telegram.client_id) == ("texter", "texter")
        assert sms is not None
        assert sms.address == PHONE
        opted_out = opt_out_of(uow.session, PHONE)
        assert opted_out is not None
        assert opted_out.phone == PHONE
        at_phone = uow.session.exec(select(Conversation).where(Conversation.address == PHONE))
        assert [c.id for c in at_phone] == ["conv"]
        quiet = uow.session.get(Conversation, "quiet")
        assert quiet is not None
        assert quiet.address == ""


def stored_text(engine: Engine) -> str:
    with engine.connect() as c:
        return " ".join(
            str(v)
            for table in ("channel_identities", "conversations", "sms_opt_outs")
            for row in c.execute(text(f"SELECT * FROM {table}"))
            for v in row
        )


@pytest.mark.postgres
def test_migration_0010_seals_channel_addresses_and_its_downgrade_opens_them(
    postgres_server: TemporaryPostgres,
) -> None:
    postgres_server.create_database("before_address_sealing")
    engine = make_engine(postgres_server.url("before_address_sealing"), keyring=TEST_KEYRING)
    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0009")
    insert_clear_addresses(engine)
    upgrade_schema(engine)
    kept = stored_text(engine)
    assert (PHONE in kept, CHAT in kept) == (False, False)
    assert_found_by_address(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0009")
    with engine.connect() as c:
        assert c.execute(text("SELECT phone FROM sms_opt_outs")).scalar_one() == PHONE
        assert c.execute(text("SELECT address FROM conversations WHERE id = 'conv'")).scalar() == (
            PHONE
        )
    engine.dispose()


def test_an_older_sqlite_file_has_its_addresses_sealed_when_opened(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    engine = make_engine(f"sqlite:///{path}", keyring=TEST_KEYRING)
    upgrade_schema(engine)
    with engine.begin() as c:  # back to the tables as they were before 0010
        c.execute(text("DROP TABLE channel_identities"))
        c.execute(text("DROP TABLE sms_opt_outs"))
        for statement in OLD_SQLITE_TABLES:
            c.execute(text(statement))
        c.execute(text("DROP INDEX uq_conversations_open_address"))
        c.execute(text("ALTER TABLE conversations DROP COLUMN address_index"))
        c.execute(
            text(
                "CREATE UNIQUE INDEX uq_conversations_open_address ON conversations"
                " (channel, address) WHERE status <> 'closed' AND address <> ''"
            )
        )
    insert_clear_addresses(engine)
    engine.dispose()
    reopened = make_engine(f"sqlite:///{path}", keyring=TEST_KEYRING)
    upgrade_schema(reopened)
    assert_found_by_address(reopened)
    assert PHONE not in stored_text(reopened)
    reopened.dispose()
    with sqlite3.connect(path) as checkpointed:
        checkpointed.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    kept = b"".join(p.read_bytes() for p in tmp_path.iterdir())
    assert PHONE.encode() not in kept


def test_a_sqlite_file_from_before_the_clients_language_opens_with_its_data(
    tmp_path: Path,
) -> None:
    path = tmp_path / "before-0011.db"
    engine = make_engine(f"sqlite:///{path}", keyring=TEST_KEYRING)
    upgrade_schema(engine)
    uow = UnitOfWork(engine, FrozenClock(datetime(2026, 12, 7, tzinfo=UTC)))
    with uow:
        uow.session.add(Practice(id=1, timezone="Europe/Berlin"))
        uow.commit()
    with engine.begin() as c:  # back to the columns as they were before 0011
        for table, column, _ in SQLITE_ADDED_COLUMNS:
            c.execute(text(f"ALTER TABLE {table} DROP COLUMN {column}"))
    engine.dispose()
    reopened = make_engine(f"sqlite:///{path}", keyring=TEST_KEYRING)
    upgrade_schema(reopened)  # refused as made by an older Frontdesk before the columns came
    with reopened.connect() as c:
        assert c.execute(text("SELECT timezone, languages FROM practice")).one() == (
            "Europe/Berlin",
            '["en"]',
        )
        assert (
            c.execute(text("SELECT count(*) FROM services WHERE translations <> '{}'")).scalar()
            == 0
        )
    reopened.dispose()


@pytest.mark.postgres
def test_processes_starting_at_once_migrate_one_database_once(
    postgres_server: TemporaryPostgres,
) -> None:
    postgres_server.create_database("started_at_once")
    engines = [
        make_engine(postgres_server.url("started_at_once"), keyring=TEST_KEYRING) for _ in range(3)
    ]
    with ThreadPoolExecutor(len(engines)) as pool:
        results = list(pool.map(upgrade_schema, engines))  # raises what any start raised
    assert results == [None, None, None]
    with engines[0].connect() as c:
        assert c.execute(text("SELECT count(*) FROM alembic_version")).scalar() == 1
    for engine in engines:
        engine.dispose()
