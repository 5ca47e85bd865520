"""Which clients a provider may see, on SQLite and PostgreSQL: those who had an appointment
with them. A hold, given back or run out, was never an appointment and opens nothing."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from domain.booking.changes import cancel_booking
from domain.booking.confirmation import confirm_booking
from domain.booking.holds import hold_slot, release_hold
from domain.booking.outcomes import mark_attendance
from domain.clients.records import page_clients
from domain.kernel.actors import SYSTEM, client_actor
from domain.kernel.clock import FrozenClock
from domain.kernel.errors import NotFound
from domain.kernel.uow import UnitOfWork
from domain.models import Booking, BookingStatus, StaffRole, StaffUser
from domain.staff.access import require_client_access

pytestmark = pytest.mark.usefixtures("sample_world")
BERLIN = ZoneInfo("Europe/Berlin")
START = datetime(2026, 3, 3, 13, 0, tzinfo=BERLIN)
TOM = client_actor("tom", "web")
WEBER = StaffUser(
    id="staff-weber",
    email="weber@example.org",
    name="Dr. Weber",
    role=StaffRole.PROVIDER,
    provider_id="dr-weber",
    created_at=START,
)


def weber_sees_tom(uow: UnitOfWork) -> bool:
    """Whether Dr. Weber may open Tom; his client list must say the same."""
    listed, _ = page_clients(uow=uow, staff=WEBER, search=None, limit=50, offset=0)
    with uow.reading() as reader:
        try:
            require_client_access(reader, WEBER, "tom")
        except NotFound:
            opens = False
        else:
            opens = True
    assert ("tom" in [c.id for c in listed]) == opens
    return opens


def tom_holds(uow: UnitOfWork, key: str = "tom") -> Booking:
    return hold_slot(
        uow=uow,
        actor=TOM,
        client_id="tom",
        provider_id="dr-weber",
        service_id="derm-consult",
        start=START,
        idempotency_key=key,
        intake={"insurance_number": "T-1"},
    )


class TestNeverAnAppointment:
    def test_a_hold_opens_nothing(self, uow: UnitOfWork) -> None:
        tom_holds(uow)
        assert not weber_sees_tom(uow)

    def test_a_hold_given_back_opens_nothing(self, uow: UnitOfWork) -> None:
        release_hold(uow=uow, actor=TOM, booking_id=tom_holds(uow).id)
        assert not weber_sees_tom(uow)

    def test_a_hold_that_ran_out_opens_nothing(self, uow: UnitOfWork, clock: FrozenClock) -> None:
        held = tom_holds(uow)
        clock.advance(timedelta(minutes=30))
        # Ana takes the start; Tom's hold is marked expired on the way.
        ana = client_actor("ana", "web")
        taken = hold_slot(
            uow=uow,
            actor=ana,
            client_id="ana",
            provider_id="dr-weber",
            service_id="derm-consult",
            start=START,
            idempotency_key="ana",
        )
        confirm_booking(uow=uow, actor=ana, booking_id=taken.id)
        with uow.reading() as reader:
            assert reader.session.get_one(Booking, held.id).status == BookingStatus.EXPIRED
        assert not weber_sees_tom(uow)


class TestAnAppointment:
    def test_a_confirmed_booking_opens_the_client_and_cancelling_it_does_not_close_them(
        self, uow: UnitOfWork
    ) -> None:
        booked = confirm_booking(uow=uow, actor=TOM, booking_id=tom_holds(uow).id)
        assert weber_sees_tom(uow)
        cancel_booking(uow=uow, actor=TOM, booking_id=booked.id)
        assert weber_sees_tom(uow)

    @pytest.mark.parametrize("attended", [True, False], ids=["completed", "no_show"])
    def test_an_appointment_that_took_place_or_was_missed_keeps_them_open(
        self, uow: UnitOfWork, clock: FrozenClock, attended: bool
    ) -> None:
        booked = confirm_booking(uow=uow, actor=TOM, booking_id=tom_holds(uow).id)
        clock.advance(START - clock.now() + timedelta(minutes=5))
        mark_attendance(uow=uow, actor=SYSTEM, booking_id=booked.id, attended=attended)
        assert weber_sees_tom(uow)

    def test_an_appointment_with_someone_else_opens_nothing(self, uow: UnitOfWork) -> None:
        # Ana's appointment in the sample world is with Dr. Keller.
        with uow.reading() as reader, pytest.raises(NotFound):
            require_client_access(reader, WEBER, "ana")
