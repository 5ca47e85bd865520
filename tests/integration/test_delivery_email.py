"""Email through a real SMTP server: the courier's message, its refusals, the worker's pass."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from sqlmodel import select

from channels.couriers import DeliveryFailed, Outgoing
from channels.delivery_worker import DeliveryWorker
from channels.email_courier import EmailCourier
from domain.kernel.clock import FrozenClock
from domain.kernel.uow import UnitOfWork
from domain.models import Notification
from testkit.live import free_port
from testkit.smtp_server import SmtpServer, smtp_server
from tests.integration.test_delivery_fanout import TUESDAY_1300, book, new_client

HTML = "<p>Dear Ana,</p><ul><li>Dermatology &amp; skin</li></ul><p>See <b>you</b>.</p>"


@pytest.fixture
def server() -> Iterator[SmtpServer]:
    with smtp_server() as running:
        yield running


def courier(server: SmtpServer, port: int | None = None) -> EmailCourier:
    return EmailCourier(
        host=server.host, port=port or server.port, sender="desk@practice.example", security="none"
    )


def send(courier: EmailCourier, to: str = "ana@example.com", body: str = HTML) -> str | None:
    return asyncio.run(courier.send(Outgoing(7, to, "Your appointment", body)))


class TestTheEmailCourier:
    def test_an_html_body_goes_with_a_plain_text_part_and_a_stable_message_id(
        self, server: SmtpServer
    ) -> None:
        message_id = send(courier(server))

        (received,) = server.wait_for(1)
        assert message_id == received.message_id == "<notification-7@practice.example>"
        assert (received.sender, received.recipients) == (
            "desk@practice.example",
            ["ana@example.com"],
        )
        assert received.subject == "Your appointment"
        assert received.part("plain") == "Dear Ana,\n\n- Dermatology & skin\n\nSee you.\n"
        assert received.part("html").strip() == HTML

    def test_a_plain_body_goes_as_it_is(self, server: SmtpServer) -> None:
        send(courier(server), body="Your code is 123456.")

        (received,) = server.wait_for(1)
        assert received.part("plain") == "Your code is 123456.\n"
        assert received.part("html") == ""

    def test_a_permanent_refusal_is_not_worth_retrying(self, server: SmtpServer) -> None:
        server.refuse("gone@example.com", "550 5.1.1 No such user")

        with pytest.raises(DeliveryFailed) as refused:
            send(courier(server), to="gone@example.com")

        assert refused.value.permanent
        assert "550" in str(refused.value)

    def test_a_temporary_refusal_is(self, server: SmtpServer) -> None:
        server.refuse("busy@example.com", "451 4.3.0 Try again later")

        with pytest.raises(DeliveryFailed) as refused:
            send(courier(server), to="busy@example.com")

        assert not refused.value.permanent

    def test_an_unreachable_server_is_worth_retrying(self, server: SmtpServer) -> None:
        with pytest.raises(DeliveryFailed) as refused:
            send(courier(server, port=free_port()))

        assert not refused.value.permanent
        assert "unreachable" in str(refused.value)


@pytest.mark.usefixtures("sample_world")
def test_a_worker_pass_emails_the_confirmation_and_records_each_outcome(
    uow: UnitOfWork, clock: FrozenClock, server: SmtpServer
) -> None:
    new_client(uow, "emily", email="emily@example.com")
    new_client(uow, "gone", email="gone@example.com")
    server.refuse("gone@example.com", "550 5.1.1 No such user")
    book(uow, "emily", TUESDAY_1300)
    book(uow, "gone", TUESDAY_1300.replace(hour=14))
    worker = DeliveryWorker(
        uow=lambda: UnitOfWork(uow.engine, clock), couriers={"email": courier(server)}
    )

    report = asyncio.run(worker.run_once())

    assert (report.sent, report.failed) == (1, 1)
    (received,) = server.wait_for(1)
    assert received.recipients == ["emily@example.com"]
    assert received.subject == "Your appointment on Tue 3 Mar 2026, 13:00 is confirmed"
    assert "Dear Emily," in received.part("plain")
    with uow.reading() as reader:
        outcomes = {
            n.to_address: (n.status, n.provider_message_id, n.error[:3])
            for n in reader.session.exec(select(Notification))
        }
    assert outcomes == {
        "emily@example.com": ("sent", received.message_id, ""),
        "gone@example.com": ("failed", None, "SMT"),
    }
