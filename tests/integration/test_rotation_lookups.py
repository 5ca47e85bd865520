"""After `frontdesk keys rotate`, what was found by a keyed digest is still found: a retried
command answers with what its key made before the rotation, and a client is still found by
phone and by where they are on a channel."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine
from sqlmodel import col, func, select

from domain.booking.holds import hold_slot
from domain.documents.key_rotation import rotate_sealed_values
from domain.kernel.actors import client_actor
from domain.kernel.clock import FrozenClock
from domain.kernel.uow import UnitOfWork
from domain.models import Booking, Client, find_identity
from domain.models.sealed import keyring_of
from domain.world.loader import load_world, read_world
from testkit.keys import rotation_engines
from tests.conftest import SAMPLE_NOW, SAMPLE_WORLD

ANA = client_actor("ana", "telegram")
START = datetime(2026, 3, 3, 14, 30, tzinfo=ZoneInfo("Europe/Berlin"))


@pytest.fixture
def engines(database_url: str) -> Iterator[dict[str, Engine]]:
    with rotation_engines(database_url) as made:
        world = read_world(SAMPLE_WORLD)
        uow = UnitOfWork(made["old"], FrozenClock(SAMPLE_NOW))
        load_world(uow=uow, world=world, base_dir=SAMPLE_WORLD.parent, source=str(SAMPLE_WORLD))
        yield made


def hold(engine: Engine) -> Booking:
    return hold_slot(
        uow=UnitOfWork(engine, FrozenClock(SAMPLE_NOW)),
        actor=ANA,
        client_id="ana",
        provider_id="dr-weber",
        service_id="derm-consult",
        start=START,
        idempotency_key="tg-update-77",
    )


def bookings_of_ana(engine: Engine) -> int:
    with UnitOfWork(engine, FrozenClock(SAMPLE_NOW)).reading() as reader:
        query = select(func.count()).select_from(Booking).where(col(Booking.client_id) == "ana")
        return reader.session.exec(query).one()


def test_a_command_retried_after_the_rotation_answers_with_what_it_made_before(
    engines: dict[str, Engine],
) -> None:
    first = hold(engines["old"])
    before = bookings_of_ana(engines["old"])
    rotated = rotate_sealed_values(engines["rotating"], keyring_of(engines["rotating"].dialect))
    assert rotated.total > 0
    again = hold(engines["rotating"])
    assert again.id == first.id
    assert bookings_of_ana(engines["rotating"]) == before


def test_a_client_is_found_by_phone_and_channel_address_once_the_old_key_is_gone(
    engines: dict[str, Engine],
) -> None:
    rotate_sealed_values(engines["rotating"], keyring_of(engines["rotating"].dialect))
    with UnitOfWork(engines["new"], FrozenClock(SAMPLE_NOW)).reading() as reader:
        by_phone = reader.session.exec(select(Client).where(Client.phone == "+4915112345678"))
        assert [c.id for c in by_phone] == ["ana"]
        telegram = find_identity(reader.session, "telegram", "700001")
        assert telegram is not None
        assert telegram.client_id == "ana"
