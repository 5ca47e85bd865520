"""The PostgreSQL schema: migrations match the models, keep what older releases stored, and the
constraint stands on its own."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import SQLModel

from domain.clients.phones import phone_as_stored
from domain.kernel.clock import FrozenClock
from domain.kernel.db import make_engine
from domain.kernel.migrate import alembic_config
from domain.kernel.uow import UnitOfWork
from domain.models.bookings import NO_OVERLAP, OCCUPIED_FROM, OCCUPIED_UNTIL, OCCUPYING_STATUSES
from testkit.keys import TEST_KEYRING
from testkit.pgcluster import TemporaryPostgres
from tests.conftest import fresh_database_url


@pytest.fixture
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """PostgreSQL only: SQLite gets its schema from the models, with no migrations to check."""
    return fresh_database_url(request, tmp_path, "postgresql")


def test_migrations_produce_exactly_the_models(engine: Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, SQLModel.metadata) == []


def test_the_constraint_keeps_apart_what_the_model_says_occupies_a_slot(engine: Engine) -> None:
    with engine.connect() as connection:
        definition = connection.execute(
            text("SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = :name"),
            {"name": NO_OVERLAP},
        ).scalar_one()
    assert f"tstzrange({OCCUPIED_FROM}, {OCCUPIED_UNTIL}, '[)'::text) WITH &&" in definition
    assert all(f"'{status.value}'" in definition for status in OCCUPYING_STATUSES)


@pytest.mark.usefixtures("sample_world")
def test_exclusion_constraint_refuses_an_overlap_written_behind_the_services(
    engine: Engine, uow: UnitOfWork
) -> None:
    insert = text(
        "INSERT INTO bookings (id, client_id, provider_id, service_id, starts_at, ends_at, "
        "blocked_until, status, channel, intake, price, currency, created_at, updated_at, "
        "version) VALUES (:id, 'tom', 'dr-keller', 'gp-visit', :start, :end, :end, :status, "
        "'sql', '{}', '50.00', 'EUR', now(), now(), 1)"
    )
    # b-ana-gp holds Dr. Keller from 07:40 to 08:00 UTC on 4 March.
    overlapping = {
        "start": datetime(2026, 3, 4, 7, 50, tzinfo=UTC),
        "end": datetime(2026, 3, 4, 8, 10, tzinfo=UTC),
    }
    with engine.begin() as connection:
        connection.execute(insert, {"id": "cancelled-one", "status": "cancelled", **overlapping})
    with pytest.raises(IntegrityError, match="bookings_no_overlap"), engine.begin() as c:
        c.execute(insert, {"id": "sneaky", "status": "confirmed", **overlapping})


@pytest.mark.postgres
def test_a_practice_from_before_regions_reads_numbers_in_its_time_zones_country(
    postgres_server: TemporaryPostgres,
) -> None:
    postgres_server.create_database("before_regions")
    engine = make_engine(postgres_server.url("before_regions"), keyring=TEST_KEYRING)
    config = alembic_config(engine)
    migrate(engine, config, "0005")
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO practice (id, name, timezone, min_notice_minutes, max_advance_days,"
                " hold_minutes, cancellation_notice_hours)"
                " VALUES (1, 'Maplewood', 'America/Toronto', 120, 21, 10, 24)"
            )
        )
    migrate(engine, config, "head")
    with engine.connect() as connection:
        kept = connection.execute(text("SELECT name, region FROM practice")).one()
    assert tuple(kept) == ("Maplewood", None)
    uow = UnitOfWork(engine, FrozenClock(datetime(2026, 10, 28, 13, 0, tzinfo=UTC)))
    assert phone_as_stored(uow=uow, written="(416) 555-0199") == "+14165550199"
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0005")
    with engine.connect() as connection:
        columns = connection.execute(
            text("SELECT column_name FROM information_schema.columns WHERE table_name = 'practice'")
        ).scalars()
        assert "region" not in set(columns)
    engine.dispose()


def migrate(engine: Engine, config: Config, revision: str) -> None:
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
