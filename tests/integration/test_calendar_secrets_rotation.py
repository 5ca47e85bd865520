"""A calendar connection's URL and password are re-sealed by key rotation like health data."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine

from domain.documents.key_rotation import rotate_sealed_values
from domain.kernel.clock import FrozenClock
from domain.kernel.keyring import Keyring
from domain.kernel.uow import UnitOfWork
from domain.models import CalendarConnection, Provider
from testkit.keys import ROTATED_IN, ROTATED_OUT, rotation_engines

OLD, NEW = ROTATED_OUT, ROTATED_IN
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def engines(database_url: str) -> Iterator[dict[str, Engine]]:
    with rotation_engines(database_url) as made:
        yield made


def test_rotation_reseals_calendar_urls_and_passwords(engines: dict[str, Engine]) -> None:
    with UnitOfWork(engines["old"], FrozenClock(NOW)) as uow:
        uow.session.add(Provider(id="dr-a", name="Dr. A"))
        uow.session.flush()
        uow.session.add(
            CalendarConnection(
                id="conn-1",
                provider_id="dr-a",
                kind="caldav",
                url="https://dav.example.org/dr-a/work/",
                username="dr-a",
                password="s3cret",
                created_at=NOW,
            )
        )
        uow.commit()

    rotated = rotate_sealed_values(engines["rotating"], Keyring(NEW, (OLD,)))

    assert rotated.counts["calendar_connections.url"] == 1
    assert rotated.counts["calendar_connections.password"] == 1
    with UnitOfWork(engines["new"], FrozenClock(NOW)).reading() as uow:
        connection = uow.session.get(CalendarConnection, "conn-1")
        assert connection is not None
        assert (connection.url, connection.password) == (
            "https://dav.example.org/dr-a/work/",
            "s3cret",
        )
