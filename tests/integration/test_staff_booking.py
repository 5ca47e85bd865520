"""Staff booking for clients, on SQLite and on PostgreSQL: never double booked, a key books
once, and a provider books only for clients already theirs or registered by them."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import col, select

from domain.booking.changes import cancel_for_client
from domain.booking.confirmation import book_for_client, staff_key
from domain.booking.holds import hold_slot, release_hold
from domain.clients.registration import create_client, register_client
from domain.kernel.actors import SYSTEM
from domain.kernel.errors import Conflict, NotFound, SlotUnavailable
from domain.kernel.uow import UnitOfWork
from domain.models import Booking, BookingStatus, StaffRole, StaffUser
from domain.staff.access import staff_actor
from domain.staff.accounts import create_staff

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


def provider_staff(uow: UnitOfWork, provider_id: str, who: str = "doctor") -> StaffUser:
    return create_staff(
        uow=uow,
        actor=SYSTEM,
        email=f"{who}.{provider_id}@example.com",
        name=f"{who} of {provider_id}",
        role=StaffRole.PROVIDER,
        password=None,
        provider_id=provider_id,
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


def weber_books(
    uow: UnitOfWork, staff: StaffUser, client_id: str, key: str, intake: dict[str, str]
) -> Booking:
    return book_for_client(
        uow=uow,
        staff=staff,
        client_id=client_id,
        provider_id="dr-weber",
        service_id="derm-consult",
        start=START,
        intake=intake,
        idempotency_key=key,
    )


def refusal(attempt: Callable[[], object]) -> str:
    with pytest.raises(NotFound) as refused:
        attempt()
    return refused.value.message


class TestAProviderBooksOnlyClientsAlreadyTheirs:
    def test_a_client_who_never_saw_them_is_not_found_like_a_missing_one(
        self, uow: UnitOfWork
    ) -> None:
        weber = provider_staff(uow, "dr-weber")
        # Ana's appointment is with Dr. Keller: booking her must not make her Dr. Weber's.
        stranger = refusal(lambda: weber_books(uow, weber, "ana", "ana", DERM_INTAKE))
        missing = refusal(lambda: weber_books(uow, weber, "nobody", "nobody", DERM_INTAKE))
        assert stranger == missing
        assert occupying(uow) == []  # nothing was held on the way

    def test_the_access_check_comes_before_the_intake_check(self, uow: UnitOfWork) -> None:
        weber = provider_staff(uow, "dr-weber")
        # Tom's profile lacks the insurance number: saying so would tell that he exists.
        lacking = refusal(lambda: weber_books(uow, weber, "tom", "tom", {}))
        assert lacking == refusal(lambda: weber_books(uow, weber, "nobody", "nobody", {}))

    def test_a_client_with_an_appointment_with_them_is_booked(self, uow: UnitOfWork) -> None:
        keller = provider_staff(uow, "dr-keller")
        booked = book_for_client(
            uow=uow,
            staff=keller,
            client_id="ana",
            provider_id="dr-keller",
            service_id="gp-visit",
            start=datetime(2026, 3, 3, 8, 0, tzinfo=BERLIN),
            intake={},
            idempotency_key="ana-again",
        )
        assert (booked.client_id, booked.status) == ("ana", BookingStatus.CONFIRMED)

    def test_a_caller_their_own_staff_registered_is_booked_and_no_one_elses(
        self, uow: UnitOfWork
    ) -> None:
        desk = provider_staff(uow, "dr-weber", who="desk")
        caller = create_client(
            uow=uow,
            staff=desk,
            name="Phone Caller",
            phone="+4917055500001",
            email=None,
            profile={},
            idempotency_key="caller",
        )
        doctor = provider_staff(uow, "dr-weber")
        booked = weber_books(uow, doctor, caller.id, "caller", DERM_INTAKE)
        assert booked.status == BookingStatus.CONFIRMED
        keller = provider_staff(uow, "dr-keller")
        with pytest.raises(NotFound):
            book_for_client(
                uow=uow,
                staff=keller,
                client_id=caller.id,
                provider_id="dr-keller",
                service_id="gp-visit",
                start=datetime(2026, 3, 3, 8, 0, tzinfo=BERLIN),
                intake=DERM_INTAKE,
                idempotency_key="not-mine",
            )

    def test_an_admin_books_for_anyone(self, uow: UnitOfWork, admin: StaffUser) -> None:
        booked = weber_books(uow, admin, "tom", "tom", {"insurance_number": "T-1"})
        assert booked.status == BookingStatus.CONFIRMED


class TestTheSameKeyAgain:
    def test_a_key_whose_hold_was_given_back_is_refused_every_time(
        self, uow: UnitOfWork, admin: StaffUser
    ) -> None:
        # What a confirmation that failed leaves behind: the key's hold, released.
        held = hold_slot(
            uow=uow,
            actor=staff_actor(admin),
            client_id="ana",
            provider_id="dr-weber",
            service_id="derm-consult",
            start=START,
            idempotency_key=staff_key(admin, "retried"),
        )
        release_hold(uow=uow, actor=staff_actor(admin), booking_id=held.id)

        for _ in range(2):
            with pytest.raises(Conflict, match="new key"):
                weber_books(uow, admin, "ana", "retried", DERM_INTAKE)
        assert occupying(uow) == []
        assert weber_books(uow, admin, "ana", "fresh", DERM_INTAKE).status == "confirmed"

    def test_a_confirmed_booking_answers_its_key_whatever_became_of_it(
        self, uow: UnitOfWork, admin: StaffUser
    ) -> None:
        booked = weber_books(uow, admin, "ana", "once", DERM_INTAKE)
        cancel_for_client(
            uow=uow, staff=admin, booking_id=booked.id, expected_version=booked.version, reason=""
        )
        again = weber_books(uow, admin, "ana", "once", DERM_INTAKE)
        assert (again.id, again.status) == (booked.id, BookingStatus.CANCELLED)
