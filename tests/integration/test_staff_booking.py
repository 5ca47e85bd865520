"""Staff booking for clients at once never double books, on SQLite and on PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import col, select

from domain.actors import SYSTEM
from domain.booking_admin import book_for_client
from domain.clients import register_client
from domain.errors import SlotUnavailable
from domain.models import Booking, BookingStatus, StaffRole, StaffUser
from domain.staff import create_staff
from domain.uow import UnitOfWork

pytestmark = pytest.mark.usefixtures("sample_world")
BERLIN = ZoneInfo("Europe/Berlin")
START = datetime(2026, 3, 3, 13, 0, tzinfo=BERLIN)
DERM_INTAKE = {"date_of_birth": "1980-01-01", "insurance_number": "X-1"}
RACERS = 12


def all_at_once(count: int, attempt: Callable[[int], str]) -> list[str]:
    """Release `count` threads at the same instant and collect each one's answer."""
    barrier = threading.Barrier(count)

    def racer(index: int) -> str:
        barrier.wait()
        return attempt(index)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(racer, range(count)))


@pytest.fixture
def admin(uow: UnitOfWork) -> StaffUser:
    return create_staff(
        uow=uow,
        actor=SYSTEM,
        email="desk@example.com",
        name="Front desk",
        role=StaffRole.ADMIN,
        password=None,
    )


def book(uow: UnitOfWork, admin: StaffUser, client_id: str, key: str) -> str:
    try:
        return book_for_client(
            uow=UnitOfWork(uow.engine, uow.clock),
            staff=admin,
            client_id=client_id,
            provider_id="dr-weber",
            service_id="derm-consult",
            start=START,
            intake=DERM_INTAKE,
            idempotency_key=key,
        ).id
    except SlotUnavailable:
        return "taken"


def occupying(uow: UnitOfWork) -> list[Booking]:
    with uow.reading() as reader:
        query = select(Booking).where(
            col(Booking.provider_id) == "dr-weber",
            col(Booking.starts_at) == START,
            col(Booking.status).in_([BookingStatus.HOLD, BookingStatus.CONFIRMED]),
        )
        return list(reader.session.exec(query))


def test_staff_racing_for_one_start_with_different_keys_book_it_once(
    uow: UnitOfWork, admin: StaffUser
) -> None:
    clients = [
        register_client(
            uow=uow,
            actor=SYSTEM,
            name=f"Caller {n}",
            phone=f"+49171{n:07d}",
            idempotency_key=f"caller-{n}",
        ).id
        for n in range(RACERS)
    ]

    answers = all_at_once(RACERS, lambda n: book(uow, admin, clients[n], f"desk-{n}"))

    assert answers.count("taken") == RACERS - 1
    (booked,) = occupying(uow)
    assert booked.status == BookingStatus.CONFIRMED
    assert booked.id in answers


def test_one_request_sent_many_times_at_once_books_once(uow: UnitOfWork, admin: StaffUser) -> None:
    answers = all_at_once(RACERS, lambda _: book(uow, admin, "ana", "double-click"))

    assert len(set(answers)) == 1
    (booked,) = occupying(uow)
    assert (booked.id, booked.status) == (answers[0], BookingStatus.CONFIRMED)
