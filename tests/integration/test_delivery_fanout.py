"""Fanning the outbox out into notifications: per the client's preferences, each once."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError
from sqlmodel import col, select

from channels.log_courier import log_pending_codes
from domain.booking.changes import cancel_booking, reschedule_booking
from domain.booking.confirmation import confirm_booking
from domain.booking.holds import hold_slot
from domain.clients.preferences import PreferenceChange, change_preferences
from domain.kernel.actors import Actor, client_actor
from domain.kernel.clock import FrozenClock
from domain.kernel.journal import enqueue
from domain.kernel.uow import UnitOfWork
from domain.models import (
    Booking,
    ChannelIdentity,
    Client,
    Notification,
    OutboxMessage,
    SmsOptOut,
)
from domain.notifications.claims import claim_due
from domain.notifications.fanout import fan_out
from domain.notifications.reminders import enqueue_due_reminders

pytestmark = pytest.mark.usefixtures("sample_world")
T = TypeVar("T")
BERLIN = ZoneInfo("Europe/Berlin")
STAFF = Actor(kind="staff", id="seed")
EVERY_CHANNEL = frozenset({"email", "sms", "telegram"})
DERM_INTAKE = {"date_of_birth": "1980-01-01", "insurance_number": "X-1"}
TUESDAY_1300 = datetime(2026, 3, 3, 13, 0, tzinfo=BERLIN)
FRIDAY_0900 = datetime(2026, 3, 6, 9, 0, tzinfo=BERLIN)


def new_client(
    uow: UnitOfWork,
    client_id: str,
    *,
    email: str | None = None,
    phone: str | None = None,
    telegram: str | None = None,
) -> str:
    with uow:
        uow.session.add(
            Client(
                id=client_id, name=client_id.title(), email=email, phone=phone, created_at=uow.now()
            )
        )
        uow.session.flush()
        if telegram:
            uow.session.add(
                ChannelIdentity(channel="telegram", address=telegram, client_id=client_id)
            )
        uow.commit()
    return client_id


def book(uow: UnitOfWork, client_id: str, start: datetime, provider: str = "dr-weber") -> str:
    """Hold and confirm a dermatology consultation, as staff would."""
    held = hold_slot(
        uow=uow,
        actor=STAFF,
        client_id=client_id,
        provider_id=provider,
        service_id="derm-consult",
        start=start,
        idempotency_key=f"book-{client_id}-{start.isoformat()}",
        intake=DERM_INTAKE,
    )
    return confirm_booking(uow=uow, actor=STAFF, booking_id=held.id).id


def notifications(uow: UnitOfWork, **where: object) -> list[Notification]:
    with uow.reading() as reader:
        query = select(Notification).order_by(col(Notification.id))
        for name, value in where.items():
            query = query.where(getattr(Notification, name) == value)
        return list(reader.session.exec(query))


def by_channel(uow: UnitOfWork, event: str) -> dict[str, dict[str, str]]:
    """client -> channel -> address of the notifications made for an event."""
    found: dict[str, dict[str, str]] = {}
    for n in notifications(uow, event=event):
        found.setdefault(str(n.client_id), {})[n.channel] = n.to_address
    return found


def all_at_once(count: int, attempt: Callable[[], T]) -> list[T]:
    barrier = threading.Barrier(count)

    def racer(_: int) -> T:
        barrier.wait()
        return attempt()

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(racer, range(count)))


@pytest.fixture
def clients(uow: UnitOfWork) -> dict[str, str]:
    """Four clients whose preferences differ, each with a confirmed booking on Tuesday."""
    made = {
        "emily": new_client(uow, "emily", email="emily@example.com"),
        "tara": new_client(uow, "tara", email="tara@example.com", telegram="4242"),
        "otto": new_client(uow, "otto", phone="+4917000000001"),
        "quinn": new_client(uow, "quinn", email="quinn@example.com", phone="+4917000000002"),
    }
    with uow:
        uow.session.add(SmsOptOut(phone="+4917000000001", opted_out_at=uow.now()))
        uow.commit()
    change_preferences(
        uow=uow,
        actor=client_actor("quinn", "web"),  # "stop the reminders", said in the chat
        client_id="quinn",
        changes=[PreferenceChange(enabled=False, event="booking.reminder")],
    )
    for hour, client_id in enumerate(made.values()):
        book(uow, client_id, TUESDAY_1300 + timedelta(hours=hour))
    return made


def test_each_client_hears_on_the_channels_their_preferences_give(
    uow: UnitOfWork, clients: dict[str, str]
) -> None:
    report = fan_out(uow=uow, channels=EVERY_CHANNEL)

    assert report.notifications == 4
    assert by_channel(uow, "booking.confirmed") == {
        "emily": {"email": "emily@example.com"},
        "tara": {"email": "tara@example.com", "telegram": "4242"},
        "quinn": {"email": "quinn@example.com"},
        # otto's only number texted STOP: nothing reaches him
    }


def test_the_confirmation_is_filled_with_the_booking(
    uow: UnitOfWork, clients: dict[str, str]
) -> None:
    fan_out(uow=uow, channels=EVERY_CHANNEL)

    email, telegram = notifications(uow, client_id="tara")
    assert email.subject == "Your appointment on Tue 3 Mar 2026, 14:00 is confirmed"
    assert "Dear Tara," in email.body
    assert "80.00 EUR" in email.body
    assert email.booking_id is not None
    assert email.booking_id not in email.body  # the short reference texts show too:
    assert email.booking_id[:8].upper() in email.body
    assert (
        "Tue 3 Mar 2026, 14:00 \N{EN DASH} Tue 3 Mar 2026, 14:30 (Europe/Berlin)" in telegram.body
    )
    assert (email.status, telegram.status, email.attempts) == ("queued", "queued", 0)


def test_only_channels_with_a_courier_are_fanned_out_to(
    uow: UnitOfWork, clients: dict[str, str]
) -> None:
    fan_out(uow=uow, channels={"email"})

    assert {n.channel for n in notifications(uow)} == {"email"}
    with uow.reading() as reader:
        assert {m.status for m in reader.session.exec(select(OutboxMessage))} == {"done"}


def test_a_client_who_turned_reminders_off_gets_confirmations_but_no_reminders(
    uow: UnitOfWork, clock: FrozenClock, clients: dict[str, str]
) -> None:
    clock.at = TUESDAY_1300 + timedelta(hours=3) - timedelta(minutes=59)  # quinn's 1 h reminder
    enqueue_due_reminders(uow=uow, hours_before=(24, 1))
    fan_out(uow=uow, channels=EVERY_CHANNEL)

    assert "quinn" in by_channel(uow, "booking.confirmed")
    # Ana's booking on Wednesday morning is reminded of; Quinn's, due too, is not.
    assert set(by_channel(uow, "booking.reminder")) == {"ana"}


def test_a_reminder_says_how_long_before(
    uow: UnitOfWork, clock: FrozenClock, clients: dict[str, str]
) -> None:
    clock.at = TUESDAY_1300 - timedelta(minutes=50)
    enqueue_due_reminders(uow=uow, hours_before=(24, 1))
    fan_out(uow=uow, channels=EVERY_CHANNEL)

    (reminder,) = notifications(uow, event="booking.reminder", client_id="emily")
    assert reminder.channel == "email"
    assert "in 1 hour:" in reminder.body


def test_a_move_and_a_cancellation_tell_what_changed(
    uow: UnitOfWork, clients: dict[str, str]
) -> None:
    fan_out(uow=uow, channels=EVERY_CHANNEL)
    tara_booking = notifications(uow, client_id="tara")[0].booking_id
    assert tara_booking is not None
    reschedule_booking(uow=uow, actor=STAFF, booking_id=tara_booking, new_start=FRIDAY_0900)
    cancel_booking(uow=uow, actor=STAFF, booking_id=tara_booking, reason="The doctor is ill")
    fan_out(uow=uow, channels=EVERY_CHANNEL)

    (moved,) = notifications(uow, event="booking.changed", channel="telegram")
    assert "Now: Fri 6 Mar 2026, 09:00" in moved.body
    assert "Before: Tue 3 Mar 2026, 14:00" in moved.body
    (cancelled,) = notifications(uow, event="booking.cancelled", channel="email")
    assert "The doctor is ill" in cancelled.body


def test_two_fan_outs_at_once_make_each_notification_once(
    uow: UnitOfWork, engine: object, clock: FrozenClock, clients: dict[str, str]
) -> None:
    for hour in range(3):
        book(uow, "emily", FRIDAY_0900 + timedelta(hours=hour))

    reports = all_at_once(
        4, lambda: fan_out(uow=UnitOfWork(uow.engine, clock), channels=EVERY_CHANNEL, limit=3)
    )
    while fan_out(uow=uow, channels=EVERY_CHANNEL).messages:
        pass

    made = notifications(uow)
    assert len({(n.outbox_id, n.channel) for n in made}) == len(made) == 7
    assert sum(r.notifications for r in reports) <= 7


def test_staff_events_are_consumed_and_unknown_ones_left_alone(uow: UnitOfWork) -> None:
    with uow:
        enqueue(uow, event="conversation.handoff_requested", subject_id="c1", payload={})
        enqueue(uow, event="someone.elses", subject_id="x", payload={})
        uow.commit()

    fan_out(uow=uow, channels=EVERY_CHANNEL)

    with uow.reading() as reader:
        statuses = {m.event: m.status for m in reader.session.exec(select(OutboxMessage))}
    assert statuses == {"conversation.handoff_requested": "done", "someone.elses": "pending"}
    assert notifications(uow) == []


class TestOneTimeCodes:
    def enqueue_code(self, uow: UnitOfWork, channel: str, to: str) -> None:
        with uow:
            enqueue(
                uow,
                event="identity.code",
                subject_id="ana",
                payload={"channel": channel, "to": to, "code": "123456", "client_id": "ana"},
            )
            uow.commit()

    def test_a_code_goes_to_the_worker_when_its_channel_has_a_courier(
        self, uow: UnitOfWork
    ) -> None:
        self.enqueue_code(uow, "email", "ana.silva@example.com")

        assert log_pending_codes(uow, couriers={"email"}) == 0
        fan_out(uow=uow, channels={"email"})

        (code,) = notifications(uow)
        assert (code.event, code.channel, code.to_address) == (
            "identity.code",
            "email",
            "ana.silva@example.com",
        )
        assert "123456" in code.body

    def test_a_code_for_a_channel_without_a_courier_is_left_to_the_log(
        self, uow: UnitOfWork
    ) -> None:
        self.enqueue_code(uow, "sms", "+4915112345678")

        fan_out(uow=uow, channels={"email"})
        assert notifications(uow) == []
        assert log_pending_codes(uow, couriers={"email"}) == 1


class TestCheckedAgainWhenSent:
    """A notification fanned out, then held up (retries), is checked again when claimed."""

    def claimed(self, uow: UnitOfWork) -> dict[str, str]:
        return {
            f"{n.event} {n.client_id} {n.channel}": n.status
            for claim in claim_due(uow=uow, limit=100)
            for n in notifications(uow, id=claim.notification_id)
        }

    def test_a_confirmation_of_a_booking_cancelled_since_is_not_sent(
        self, uow: UnitOfWork, clients: dict[str, str]
    ) -> None:
        fan_out(uow=uow, channels={"email"})
        (confirmation,) = notifications(uow, client_id="emily")
        assert confirmation.booking_id is not None
        cancel_booking(uow=uow, actor=STAFF, booking_id=confirmation.booking_id)

        assert "booking.confirmed emily email" not in self.claimed(uow)
        (failed,) = notifications(uow, client_id="emily")
        assert (failed.status, failed.error) == ("failed", "booking cancelled")
        fan_out(uow=uow, channels={"email"})
        assert self.claimed(uow) == {"booking.cancelled emily email": "sending"}

    def test_a_confirmation_of_a_booking_moved_since_is_not_sent(
        self, uow: UnitOfWork, clients: dict[str, str]
    ) -> None:
        fan_out(uow=uow, channels={"email"})
        (confirmation,) = notifications(uow, client_id="emily")
        assert confirmation.booking_id is not None
        reschedule_booking(
            uow=uow, actor=STAFF, booking_id=confirmation.booking_id, new_start=FRIDAY_0900
        )
        fan_out(uow=uow, channels={"email"})

        claimed = self.claimed(uow)
        assert "booking.confirmed emily email" not in claimed
        assert claimed["booking.changed emily email"] == "sending"
        (failed,) = notifications(uow, client_id="emily", event="booking.confirmed")
        assert (failed.status, failed.error) == ("failed", "booking moved since")

    def remind_emily(self, uow: UnitOfWork, clock: FrozenClock) -> str:
        fan_out(uow=uow, channels={"email"})
        claim_due(uow=uow, limit=100)  # the confirmations: out of the way
        clock.at = TUESDAY_1300 - timedelta(minutes=50)
        enqueue_due_reminders(uow=uow, hours_before=(24, 1))
        fan_out(uow=uow, channels={"email"})
        (reminder,) = notifications(uow, event="booking.reminder", client_id="emily")
        assert reminder.booking_id is not None
        return reminder.booking_id

    def test_a_reminder_of_a_start_moved_since_is_not_sent(
        self, uow: UnitOfWork, clock: FrozenClock, clients: dict[str, str]
    ) -> None:
        booking_id = self.remind_emily(uow, clock)
        reschedule_booking(uow=uow, actor=STAFF, booking_id=booking_id, new_start=FRIDAY_0900)

        assert "booking.reminder emily email" not in self.claimed(uow)
        (reminder,) = notifications(uow, event="booking.reminder", client_id="emily")
        assert (reminder.status, reminder.error) == ("failed", "reminder outdated")

    def test_a_reminder_held_up_until_the_start_is_not_sent(
        self, uow: UnitOfWork, clock: FrozenClock, clients: dict[str, str]
    ) -> None:
        self.remind_emily(uow, clock)
        clock.at = TUESDAY_1300 + timedelta(minutes=5)

        assert "booking.reminder emily email" not in self.claimed(uow)
        (reminder,) = notifications(uow, event="booking.reminder", client_id="emily")
        assert (reminder.status, reminder.error) == ("failed", "reminder outdated")


def test_a_database_error_leaves_the_message_pending_for_the_next_tick(
    uow: UnitOfWork, engine: Engine, clients: dict[str, str]
) -> None:
    with engine.begin() as connection:
        connection.execute(text("ALTER TABLE notification_preferences RENAME TO away"))
    try:
        with pytest.raises(DBAPIError):
            fan_out(uow=uow, channels=EVERY_CHANNEL)
    finally:
        with engine.begin() as connection:
            connection.execute(text("ALTER TABLE away RENAME TO notification_preferences"))
    with uow.reading() as reader:
        assert {m.status for m in reader.session.exec(select(OutboxMessage))} == {"pending"}

    fan_out(uow=uow, channels=EVERY_CHANNEL)

    with uow.reading() as reader:
        assert {m.status for m in reader.session.exec(select(OutboxMessage))} == {"done"}


def test_a_malformed_message_is_failed_and_the_others_fanned_out(
    uow: UnitOfWork, clients: dict[str, str]
) -> None:
    with uow:
        enqueue(
            uow,
            event="booking.reminder",
            subject_id="x",
            payload={"booking_id": booking_of_emily(uow), "hours_before": 1, "start": "soon"},
        )
        uow.commit()

    report = fan_out(uow=uow, channels=EVERY_CHANNEL)

    with uow.reading() as reader:
        statuses = [m.status for m in reader.session.exec(select(OutboxMessage))]
    assert statuses == ["done"] * 4 + ["failed"]
    assert report.notifications == len(notifications(uow))


def booking_of_emily(uow: UnitOfWork) -> str:
    return uow.session.exec(select(Booking.id).where(col(Booking.client_id) == "emily")).one()
