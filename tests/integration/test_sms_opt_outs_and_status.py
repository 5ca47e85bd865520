"""SMS opt-outs and delivery status reports, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from domain.clients.preferences import channels_for
from domain.clients.registration import register_client
from domain.kernel.actors import Actor
from domain.kernel.clock import FrozenClock
from domain.kernel.uow import UnitOfWork
from domain.models import (
    AuditEvent,
    Notification,
    NotificationStatus,
    OutboxMessage,
    SmsOptOut,
)
from domain.models.sealed import keyring_of
from domain.notifications.opt_outs import is_opted_out, opt_in, opt_out
from domain.notifications.status import record_channel_status

STAFF = Actor(kind="staff", id="admin")
PHONE = "+4915123847716"


def audited(uow: UnitOfWork, action: str) -> list[AuditEvent]:
    with uow.reading() as reader:
        return list(reader.session.exec(select(AuditEvent).where(AuditEvent.action == action)))


class TestOptOut:
    def test_stop_then_start_with_the_number_written_any_way(self, uow: UnitOfWork) -> None:
        assert opt_out(uow=uow, phone="+49 151 2384-7716") is True
        assert is_opted_out(uow=uow, phone=PHONE)
        assert opt_out(uow=uow, phone=PHONE) is False  # once is enough
        assert opt_in(uow=uow, phone="0049 151 23847716") is True
        assert not is_opted_out(uow=uow, phone=PHONE)
        assert opt_in(uow=uow, phone=PHONE) is False
        with uow.reading() as reader:
            assert reader.session.exec(select(SmsOptOut)).all() == []

    def test_each_change_is_audited_as_the_owner_of_the_number(self, uow: UnitOfWork) -> None:
        client = register_client(
            uow=uow, actor=STAFF, name="Lena Text", phone=PHONE, idempotency_key="reg-sms-1"
        )
        opt_out(uow=uow, phone=PHONE)
        opt_out(uow=uow, phone=PHONE)
        opt_in(uow=uow, phone=PHONE)
        [out] = audited(uow, "sms.opted_out")
        [back] = audited(uow, "sms.opted_in")
        assert (out.actor_kind, out.actor_id, out.channel) == ("client", client.id, "sms")
        digest = keyring_of(uow.engine.dialect).blind_index(PHONE)  # no number in clear
        assert (out.subject_type, out.subject_id) == ("phone", digest)
        assert back.actor_id == client.id

    def test_an_unknown_number_is_audited_as_the_system(self, uow: UnitOfWork) -> None:
        opt_out(uow=uow, phone="+4917000000001")
        [out] = audited(uow, "sms.opted_out")
        assert (out.actor_kind, out.actor_id) == ("system", None)

    def test_an_opted_out_client_is_not_texted_notifications(self, uow: UnitOfWork) -> None:
        client = register_client(
            uow=uow, actor=STAFF, name="Only Phone", phone=PHONE, idempotency_key="reg-sms-2"
        )
        with uow.reading() as reader:
            before = channels_for(reader.session, client, "booking.confirmed")
        opt_out(uow=uow, phone=PHONE)
        with uow.reading() as reader:
            after = channels_for(reader.session, client, "booking.confirmed")
        assert (before, after) == ({"sms": PHONE}, {})


@pytest.fixture
def notification(uow: UnitOfWork) -> int:
    """An SMS notification the worker sent, known to Twilio as SMabc."""
    with uow:
        outbox = OutboxMessage(
            created_at=uow.now(), event="booking.confirmed", subject_id="b1", payload={}
        )
        uow.session.add(outbox)
        uow.session.flush()
        assert outbox.id is not None
        row = Notification(
            outbox_id=outbox.id,
            event="booking.confirmed",
            channel="sms",
            to_address=PHONE,
            body="Confirmed.",
            status=NotificationStatus.SENT,
            attempts=1,
            provider_message_id="SMabc",
            next_attempt_at=uow.now(),
            created_at=uow.now(),
            updated_at=uow.now(),
        )
        uow.session.add(row)
        uow.commit()
        assert row.id is not None
        return row.id


def state(uow: UnitOfWork, notification_id: int) -> tuple[str, str]:
    with uow.reading() as reader:
        row = reader.session.get_one(Notification, notification_id)
        return row.status, row.error


def report(uow: UnitOfWork, status: str, error: str | None = None, sid: str = "SMabc") -> bool:
    return record_channel_status(
        uow=uow, channel="sms", provider_message_id=sid, status=status, error=error
    )


class TestDeliveryStatus:
    def test_delivered_is_recorded_and_a_late_sent_does_not_undo_it(
        self, uow: UnitOfWork, notification: int
    ) -> None:
        assert report(uow, "sending")
        assert state(uow, notification) == ("sent", "")
        assert report(uow, "delivered")
        assert report(uow, "sent")
        assert report(uow, "queued")
        assert state(uow, notification) == ("delivered", "")

    def test_read_counts_as_delivered(self, uow: UnitOfWork, notification: int) -> None:
        report(uow, "read")
        assert state(uow, notification)[0] == "delivered"

    @pytest.mark.parametrize("status", ["undelivered", "failed"])
    def test_a_failure_is_recorded_with_twilios_error_code(
        self, uow: UnitOfWork, notification: int, status: str
    ) -> None:
        report(uow, status, error="30003")
        assert state(uow, notification) == ("failed", f"{status}: error 30003")
        report(uow, "delivered")  # a report arriving late never reopens a failure
        assert state(uow, notification)[0] == "failed"

    def test_the_report_moves_the_updated_time(
        self, uow: UnitOfWork, clock: FrozenClock, notification: int
    ) -> None:
        clock.advance(timedelta(minutes=3))
        report(uow, "delivered")
        with uow.reading() as reader:
            row = reader.session.get_one(Notification, notification)
        assert row.updated_at == uow.now()

    def test_an_unknown_message_or_status_changes_nothing(
        self, uow: UnitOfWork, notification: int
    ) -> None:
        assert report(uow, "delivered", sid="SMunknown") is False
        assert report(uow, "receiving") is True
        assert state(uow, notification) == ("sent", "")

    def test_only_the_channel_that_sent_it_reports_on_it(
        self, uow: UnitOfWork, notification: int
    ) -> None:
        assert not record_channel_status(
            uow=uow, channel="telegram", provider_message_id="SMabc", status="delivered"
        )
        assert state(uow, notification)[0] == "sent"
