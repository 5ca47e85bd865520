"""Creating commands carry a key: the same key never creates twice."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import col, func, select

from domain.booking.holds import hold_slot
from domain.clients.registration import register_client
from domain.kernel.actors import Actor, client_actor
from domain.kernel.errors import IdempotencyConflict, InvalidInput, NotFound
from domain.kernel.uow import UnitOfWork
from domain.models import Booking, Client

pytestmark = pytest.mark.usefixtures("sample_world")
ANA = client_actor("ana", "telegram")
STAFF = Actor(kind="staff", id="admin")
START = datetime(2026, 3, 3, 14, 30, tzinfo=ZoneInfo("Europe/Berlin"))


def bookings_of(uow: UnitOfWork, client_id: str) -> int:
    with uow.reading() as reader:
        query = select(func.count()).select_from(Booking).where(col(Booking.client_id) == client_id)
        return reader.session.exec(query).one()


def hold(uow: UnitOfWork, key: str, start: datetime = START) -> Booking:
    return hold_slot(
        uow=uow,
        actor=ANA,
        client_id="ana",
        provider_id="dr-weber",
        service_id="derm-consult",
        start=start,
        idempotency_key=key,
    )


def test_a_retried_hold_returns_the_first_hold(uow: UnitOfWork) -> None:
    before = bookings_of(uow, "ana")
    first, again = hold(uow, "tg-update-42"), hold(uow, "tg-update-42")
    assert again.id == first.id
    assert bookings_of(uow, "ana") == before + 1


def test_a_key_reused_for_another_request_is_refused(uow: UnitOfWork) -> None:
    hold(uow, "tg-update-42")
    with pytest.raises(IdempotencyConflict, match="different request"):
        hold(uow, "tg-update-42", START.replace(hour=15))


def test_a_retried_registration_returns_the_same_client(uow: UnitOfWork) -> None:
    first = register_client(
        uow=uow, actor=STAFF, name="Maria Lopez", phone="+49 170 0000001", idempotency_key="web-7"
    )
    again = register_client(
        uow=uow, actor=STAFF, name="Maria Lopez", phone="+49 170 0000001", idempotency_key="web-7"
    )
    assert again.id == first.id
    assert first.phone == "+491700000001"
    with uow.reading() as reader:
        assert (
            len(reader.session.exec(select(Client).where(col(Client.name) == "Maria Lopez")).all())
            == 1
        )


def test_a_phone_already_on_file_is_not_registered_twice(uow: UnitOfWork) -> None:
    with pytest.raises(InvalidInput, match="already exists"):
        register_client(
            uow=uow, actor=STAFF, name="Someone", phone="+4915112345678", idempotency_key="web-8"
        )


@pytest.mark.parametrize("phone", ["12", "call me", "+49 151 123456789012345"])
def test_a_phone_that_is_not_a_number_is_refused(uow: UnitOfWork, phone: str) -> None:
    with pytest.raises(InvalidInput, match="does not look like a phone number"):
        register_client(uow=uow, actor=STAFF, name="X", phone=phone, idempotency_key=phone)


def test_an_email_already_on_file_is_named_as_such(uow: UnitOfWork) -> None:
    with pytest.raises(InvalidInput, match="this email address already exists"):
        register_client(
            uow=uow,
            actor=STAFF,
            name="Ana Again",
            phone="+491700000099",
            email="Ana.Silva@example.com",
            idempotency_key="web-9",
        )


def test_another_clients_key_reveals_nothing(uow: UnitOfWork) -> None:
    hold(uow, "ana-secret-key")
    with pytest.raises(NotFound):
        hold_slot(
            uow=uow,
            actor=client_actor("tom", "web"),
            client_id="ana",
            provider_id="dr-weber",
            service_id="derm-consult",
            start=START,
            idempotency_key="ana-secret-key",
        )


def test_the_same_instant_in_another_offset_is_the_same_request(uow: UnitOfWork) -> None:
    first = hold(uow, "retry-utc")
    assert hold(uow, "retry-utc", START.astimezone(ZoneInfo("UTC"))).id == first.id
