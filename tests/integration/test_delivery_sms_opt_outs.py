"""A number that texted STOP gets nothing more, and one-time codes are kept no longer than needed.

Through the real worker and SMS courier against a local Twilio that does not know of the STOP
(it came in through our webhook): only our own check keeps the text from going out.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import col, select

from channels.delivery_worker import DeliveryWorker, PassReport
from channels.log_courier import log_pending_codes
from channels.sms.courier import SmsCourier
from domain.clients.verification import VerificationRefused, identify_client, verify_code
from domain.conversations.transcripts import take_in
from domain.kernel.clock import FrozenClock
from domain.kernel.uow import UnitOfWork
from domain.models import Notification, OutboxMessage, StaffRole, StaffUser
from domain.models.notifications import NotificationStatus
from domain.notifications.codes import CODE_EVENT, destination_of
from domain.notifications.fanout import fan_out
from domain.notifications.history import page_notifications
from domain.notifications.opt_outs import opt_out
from testkit.fake_twilio import FakeTwilio, fake_twilio
from tests.integration.test_delivery_fanout import TUESDAY_1300, book, new_client

pytestmark = pytest.mark.usefixtures("sample_world")
PHONE = "+4917000000042"
ADMIN = StaffUser(
    id="staff-admin",
    email="admin@example.org",
    name="Admin",
    role=StaffRole.ADMIN,
    created_at=datetime(2026, 1, 5, tzinfo=UTC),
)


@pytest.fixture
def twilio() -> Iterator[FakeTwilio]:
    with fake_twilio() as fake:
        yield fake


def worker(uow: UnitOfWork, clock: FrozenClock, twilio: FakeTwilio) -> DeliveryWorker:
    courier = SmsCourier(twilio.client())
    return DeliveryWorker(uow=lambda: UnitOfWork(uow.engine, clock), couriers={"sms": courier})


def run_once(uow: UnitOfWork, clock: FrozenClock, twilio: FakeTwilio) -> PassReport:
    return asyncio.run(worker(uow, clock, twilio).run_once())


def texts(uow: UnitOfWork, event: str) -> list[Notification]:
    with uow.reading() as reader:
        return list(
            reader.session.exec(
                select(Notification)
                .where(Notification.channel == "sms", Notification.event == event)
                .order_by(col(Notification.id))
            )
        )


def outbox(uow: UnitOfWork, event: str) -> list[OutboxMessage]:
    with uow.reading() as reader:
        query = select(OutboxMessage).where(OutboxMessage.event == event)
        return list(reader.session.exec(query.order_by(col(OutboxMessage.id))))


class TestAStopAfterQueueing:
    def test_a_text_queued_before_the_stop_is_never_sent(
        self, uow: UnitOfWork, clock: FrozenClock, twilio: FakeTwilio
    ) -> None:
        new_client(uow, "otto", phone=PHONE)
        book(uow, "otto", TUESDAY_1300)
        fan_out(uow=uow, channels={"sms"})
        (queued,) = texts(uow, "booking.confirmed")
        assert queued.status == NotificationStatus.QUEUED

        opt_out(uow=uow, phone=PHONE)  # STOP, through our webhook
        report = run_once(uow, clock, twilio)

        assert twilio.messages == []
        assert (report.sent, report.failed) == (0, 1)
        (failed,) = texts(uow, "booking.confirmed")
        assert (failed.status, failed.error) == (NotificationStatus.FAILED, "opted out")

    def test_a_text_waiting_for_a_retry_is_not_retried(
        self, uow: UnitOfWork, clock: FrozenClock, twilio: FakeTwilio
    ) -> None:
        new_client(uow, "otto", phone=PHONE)
        book(uow, "otto", TUESDAY_1300)
        twilio.fail_next(503, 20500, "Service unavailable")
        run_once(uow, clock, twilio)
        (waiting,) = texts(uow, "booking.confirmed")
        assert (waiting.status, waiting.attempts) == (NotificationStatus.QUEUED, 1)

        opt_out(uow=uow, phone=PHONE)
        clock.advance(timedelta(hours=2))
        run_once(uow, clock, twilio)

        assert twilio.messages == []
        (failed,) = texts(uow, "booking.confirmed")
        assert (failed.status, failed.error, failed.attempts) == ("failed", "opted out", 2)


class TestOneTimeCodes:
    def identify(self, uow: UnitOfWork, address: str, phone: str, email: str | None = None) -> str:
        said = take_in(uow=uow, channel="web", address=address, text="Hi", external_id=None)
        found = identify_client(
            uow=uow, conversation_id=said.conversation.id, name="Q", phone=phone, email=email
        )
        assert found.sent_to is not None
        return said.conversation.id

    def test_a_number_that_opted_out_gets_its_code_by_the_email_typed_with_it(
        self, uow: UnitOfWork, clock: FrozenClock, twilio: FakeTwilio
    ) -> None:
        new_client(uow, "quinn", email="quinn@example.com", phone=PHONE)
        opt_out(uow=uow, phone=PHONE)

        chat = self.identify(uow, "session-quinn", PHONE, email="quinn@example.com")

        (code,) = outbox(uow, CODE_EVENT)
        with uow.reading() as reader:
            to = destination_of(reader.session, code.payload)
        assert (code.payload["channel"], to) == ("email", "quinn@example.com")
        assert "to" not in code.payload  # the contact typed stays in the sealed code row
        verify_code(uow=uow, conversation_id=chat, code=str(code.payload["code"]))

    def test_with_no_email_the_code_is_refused_politely(self, uow: UnitOfWork) -> None:
        new_client(uow, "otto", phone=PHONE)
        opt_out(uow=uow, phone=PHONE)
        said = take_in(uow=uow, channel="web", address="s-otto", text="Hi", external_id=None)

        with pytest.raises(VerificationRefused, match="START") as refused:
            identify_client(uow=uow, conversation_id=said.conversation.id, name="O", phone=PHONE)

        assert refused.value.code == "sms_opted_out"
        assert outbox(uow, CODE_EVENT) == []

    def test_a_code_already_enqueued_for_a_number_that_opted_out_is_not_texted(
        self, uow: UnitOfWork, clock: FrozenClock, twilio: FakeTwilio
    ) -> None:
        new_client(uow, "otto", phone=PHONE)
        self.identify(uow, "session-otto", PHONE)
        opt_out(uow=uow, phone=PHONE)  # between the code's request and the worker's pass

        run_once(uow, clock, twilio)

        assert twilio.messages == []
        (code,) = texts(uow, CODE_EVENT)
        assert (code.status, code.error, code.body) == ("failed", "opted out", "")
        assert "code" not in outbox(uow, CODE_EVENT)[0].payload

    def test_the_outbox_forgets_a_code_once_fanned_out_and_admins_never_see_it(
        self, uow: UnitOfWork
    ) -> None:
        new_client(uow, "otto", phone=PHONE)
        self.identify(uow, "session-otto", PHONE)
        sent = str(outbox(uow, CODE_EVENT)[0].payload["code"])

        fan_out(uow=uow, channels={"sms"})

        (message,) = outbox(uow, CODE_EVENT)
        assert message.status == "done"
        assert "code" not in message.payload
        assert "to" not in message.payload
        with uow.reading() as reader:
            assert destination_of(reader.session, message.payload) == PHONE
        (queued,) = texts(uow, CODE_EVENT)
        assert sent in queued.body  # the one copy, until it is sent
        listed, _ = page_notifications(
            uow=uow,
            staff=ADMIN,
            status=None,
            channel=None,
            client_id=None,
            booking_id=None,
            event=CODE_EVENT,
            limit=10,
            offset=0,
        )
        assert [n.id for n in listed] == [queued.id]
        assert sent not in listed[0].body
        assert sent in texts(uow, CODE_EVENT)[0].body  # hidden from the admin, not erased

    def test_the_outbox_forgets_a_code_once_logged(self, uow: UnitOfWork) -> None:
        new_client(uow, "otto", phone=PHONE)
        self.identify(uow, "session-otto", PHONE)

        assert log_pending_codes(uow, couriers=()) == 1

        (message,) = outbox(uow, CODE_EVENT)
        assert message.status == "sent"
        assert "code" not in message.payload
