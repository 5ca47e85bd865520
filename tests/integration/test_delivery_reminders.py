"""Reminders before appointments: enqueued once per (booking, hours before, start)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import col, select

from domain.booking.changes import cancel_booking, reschedule_booking
from domain.kernel.clock import FrozenClock
from domain.kernel.uow import UnitOfWork
from domain.models import OutboxMessage
from domain.notifications.reminders import enqueue_due_reminders
from tests.integration.test_delivery_fanout import (
    BERLIN,
    STAFF,
    TUESDAY_1300,
    all_at_once,
    book,
    new_client,
)

pytestmark = pytest.mark.usefixtures("sample_world")
HOURS = (24, 1)
FRIDAY_1100 = datetime(2026, 3, 6, 11, 0, tzinfo=BERLIN)


def reminders(uow: UnitOfWork, booking_id: str) -> list[tuple[int, str]]:
    """(hours before, start) of each reminder enqueued for the booking."""
    with uow.reading() as reader:
        found = reader.session.exec(
            select(OutboxMessage)
            .where(
                OutboxMessage.event == "booking.reminder", OutboxMessage.subject_id == booking_id
            )
            .order_by(col(OutboxMessage.id))
        )
        return [(m.payload["hours_before"], m.payload["start"]) for m in found]


def _utc_iso(instant: datetime) -> str:
    return instant.astimezone(UTC).isoformat()


@pytest.fixture
def booking_id(uow: UnitOfWork) -> str:
    new_client(uow, "emily", email="emily@example.com")
    return book(uow, "emily", TUESDAY_1300)


def at(clock: FrozenClock, instant: datetime) -> None:
    clock.at = instant


def test_each_reminder_is_enqueued_once_however_many_ticks_see_it(
    uow: UnitOfWork, clock: FrozenClock, booking_id: str
) -> None:
    at(clock, TUESDAY_1300 - timedelta(hours=23))
    assert enqueue_due_reminders(uow=uow, hours_before=HOURS) == 1
    assert enqueue_due_reminders(uow=uow, hours_before=HOURS) == 0
    at(clock, TUESDAY_1300 - timedelta(minutes=45))
    enqueue_due_reminders(uow=uow, hours_before=HOURS)
    enqueue_due_reminders(uow=uow, hours_before=HOURS)

    assert reminders(uow, booking_id) == [
        (24, _utc_iso(TUESDAY_1300)),
        (1, _utc_iso(TUESDAY_1300)),
    ]


def test_workers_ticking_at_once_enqueue_a_reminder_once(
    uow: UnitOfWork, clock: FrozenClock, booking_id: str
) -> None:
    at(clock, TUESDAY_1300 - timedelta(hours=20))

    made = all_at_once(
        5, lambda: enqueue_due_reminders(uow=UnitOfWork(uow.engine, clock), hours_before=HOURS)
    )

    assert sum(made) == 1
    assert reminders(uow, booking_id) == [(24, _utc_iso(TUESDAY_1300))]


def test_a_moved_booking_gets_reminders_for_its_new_start(
    uow: UnitOfWork, clock: FrozenClock, booking_id: str
) -> None:
    at(clock, TUESDAY_1300 - timedelta(hours=23))
    enqueue_due_reminders(uow=uow, hours_before=HOURS)
    reschedule_booking(uow=uow, actor=STAFF, booking_id=booking_id, new_start=FRIDAY_1100)

    at(clock, FRIDAY_1100 - timedelta(hours=22))
    enqueue_due_reminders(uow=uow, hours_before=HOURS)

    assert reminders(uow, booking_id) == [
        (24, _utc_iso(TUESDAY_1300)),
        (24, _utc_iso(FRIDAY_1100)),
    ]


def test_a_booking_made_after_a_reminders_moment_gets_only_the_later_ones(
    uow: UnitOfWork, clock: FrozenClock
) -> None:
    new_client(uow, "late", email="late@example.com")
    at(clock, FRIDAY_1100 - timedelta(hours=5))  # booked five hours ahead
    late = book(uow, "late", FRIDAY_1100)

    enqueue_due_reminders(uow=uow, hours_before=HOURS)
    at(clock, FRIDAY_1100 - timedelta(hours=2))
    enqueue_due_reminders(uow=uow, hours_before=HOURS)
    assert reminders(uow, late) == []  # no "tomorrow" reminder for today's booking
    at(clock, FRIDAY_1100 - timedelta(minutes=55))
    enqueue_due_reminders(uow=uow, hours_before=HOURS)
    assert reminders(uow, late) == [(1, _utc_iso(FRIDAY_1100))]


def test_a_worker_back_after_a_long_stop_sends_no_stale_reminders(
    uow: UnitOfWork, clock: FrozenClock, booking_id: str
) -> None:
    at(clock, TUESDAY_1300 - timedelta(hours=3))  # the 24 h moment passed 21 hours ago

    enqueue_due_reminders(uow=uow, hours_before=HOURS)
    at(clock, TUESDAY_1300 - timedelta(minutes=20))  # the 1 h one, 40 minutes late
    enqueue_due_reminders(uow=uow, hours_before=HOURS)

    assert reminders(uow, booking_id) == []


def test_when_two_are_due_only_the_nearer_is_sent(
    uow: UnitOfWork, clock: FrozenClock, booking_id: str
) -> None:
    at(clock, TUESDAY_1300 - timedelta(minutes=50))  # the 24 h one was never enqueued

    enqueue_due_reminders(uow=uow, hours_before=HOURS)

    assert reminders(uow, booking_id) == [(1, _utc_iso(TUESDAY_1300))]


def test_a_cancelled_booking_gets_no_reminder(
    uow: UnitOfWork, clock: FrozenClock, booking_id: str
) -> None:
    cancel_booking(uow=uow, actor=STAFF, booking_id=booking_id)
    at(clock, TUESDAY_1300 - timedelta(hours=23))

    enqueue_due_reminders(uow=uow, hours_before=HOURS)

    assert reminders(uow, booking_id) == []
