"""Texting the practice: `frontdesk serve --demo` behind a proxy-like public URL, a local Twilio.

Every webhook is signed by the fake Twilio for the public URL and delivered to the server's
own socket, as a reverse proxy would; replies go out through the real twilio REST client.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy import Engine, text
from sqlmodel import Session, col, select

from channels.couriers import DeliveryFailed, Outgoing
from channels.sms.courier import SmsCourier
from domain.models import Notification, NotificationStatus, OutboxMessage
from domain.notifications.codes import destination_of
from testkit.api_client import ADMIN
from testkit.chat_client import ChatClient
from testkit.console_client import ConsoleClient
from testkit.fake_twilio import FakeTwilio, fake_twilio, new_sid, signed_webhook, twilio_env
from testkit.live import LiveServer, live_server
from testkit.stored import client_texts as stored_client_texts
from testkit.stored import index_of, server_database
from tests.e2e.test_identity_attacks import INSURANCE, book_a_dermatologist

PUBLIC = "https://frontdesk.example.org"  # where Twilio reaches us: not the server's socket
INBOUND = f"{PUBLIC}/sms/inbound"
STATUS = f"{PUBLIC}/sms/status"
MARKUS = "+4917034419208"  # a demo client: the carrier proves the number, so he is known


@pytest.fixture(scope="module")
def twilio() -> Iterator[FakeTwilio]:
    with fake_twilio() as fake:
        yield fake


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, twilio: FakeTwilio) -> Iterator[LiveServer]:
    env = {
        **twilio_env(twilio),
        "FRONTDESK_PUBLIC_URL": PUBLIC,
    }
    with live_server(tmp_path_factory.mktemp("sms") / "data", env=env) as running:
        twilio.forward(PUBLIC, running.base_url)
        yield running


@pytest.fixture(scope="module")
def db(server: LiveServer) -> Iterator[Engine]:
    engine = server_database(server)
    yield engine
    engine.dispose()


def said_back(answer: httpx.Response) -> str | None:
    """The text a webhook answer replies with at once (TwiML), if any."""
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/xml")
    found = re.search(r"<Message>(.*)</Message>", answer.text, re.DOTALL)
    return found[1] if found else None


def client_texts(db: Engine, phone: str) -> list[str]:
    return stored_client_texts(db, "sms", phone)


def count(db: Engine, sql: str, **params: str) -> int:
    with db.connect() as connection:
        return int(connection.execute(text(sql), params).scalar_one())


class TestBookingByText:
    def test_a_known_client_books_by_numbered_replies(
        self, server: LiveServer, twilio: FakeTwilio, db: Engine
    ) -> None:
        asked = twilio.incoming(
            INBOUND, sender=MARKUS, body="I need a dermatologist tomorrow morning"
        )
        assert said_back(asked) is None  # the agent answers through the REST API
        [offer] = twilio.wait_for_messages(1, to=MARKUS)
        assert re.search(r"^Reply 1, 2, .* or \d\.$", offer["Body"], re.MULTILINE)
        second_choice = next(ln for ln in offer["Body"].splitlines() if ln.startswith("2) "))

        refused = said_back(twilio.incoming(INBOUND, sender=MARKUS, body="9"))
        assert refused is not None
        assert refused.startswith("Please answer with one of the numbers offered. Reply 1, 2")

        twilio.incoming(INBOUND, sender=MARKUS, body="2")
        summary = twilio.wait_for_messages(2, to=MARKUS)[1]
        chosen_time = re.search(r"\d\d:\d\d", second_choice)
        assert chosen_time is not None
        assert chosen_time[0] in summary["Body"]
        assert summary["Body"].endswith("1) Confirm\n2) Change\nReply 1 or 2.")

        twilio.incoming(INBOUND, sender=MARKUS, body="1")
        booked = twilio.wait_for_messages(3, to=MARKUS)[2]
        line = re.search(
            r"^Booked: Dermatology consultation with (.+), .*Ref (\w{8})\.$", booked["Body"], re.M
        )
        assert line is not None, booked["Body"]
        assert f"Form: {PUBLIC}/forms/" in booked["Body"]

        with db.connect() as connection:
            status, client = connection.execute(
                text("SELECT status, client_id FROM bookings WHERE id LIKE :ref"),
                {"ref": line[2].lower() + "%"},
            ).one()
        assert (status, client) == ("confirmed", "markus-wolf")
        texts = client_texts(db, MARKUS)
        assert texts[0] == "I need a dermatologist tomorrow morning"
        assert texts[1] != "2"  # what the second choice says, not its number
        assert chosen_time[0] in texts[1]
        assert texts[2] == "Confirm"
        assert "9" not in texts
        for message in twilio.sent_to(MARKUS):
            assert message["segments"] <= 3
            assert message["StatusCallback"] == STATUS
            assert message["From"] == twilio.from_number


class TestNationalSenders:
    LENA = "+4915123847716"  # a demo client; the practice's region is DE

    def test_a_text_from_a_national_number_reaches_the_client_on_file(
        self, twilio: FakeTwilio, db: Engine
    ) -> None:
        twilio.incoming(INBOUND, sender="0151 23847716", body="What appointments do I have?")
        twilio.wait_for_messages(1, to=self.LENA)
        assert client_texts(db, self.LENA) == ["What appointments do I have?"]
        owners = "SELECT count(DISTINCT client_id) FROM conversations WHERE channel = 'sms'"
        lenas = f"{owners} AND address_index = :p AND client_id = 'lena-schmidt'"
        assert count(db, lenas, p=index_of(self.LENA)) == 1
        national = "SELECT count(*) FROM conversations WHERE address_index = :p"
        assert count(db, national, p=index_of("0151 23847716")) == 0
        assert count(db, "SELECT count(*) FROM clients WHERE name = 'Lena Schmidt'") == 1


class TestSignatures:
    PHONE = "+4917000000077"

    def params(self, sid: str, body: str = "Hello") -> dict[str, str]:
        return {"MessageSid": sid, "From": self.PHONE, "To": "+4930555000111", "Body": body}

    def test_unsigned_forged_or_misaddressed_webhooks_are_refused_with_nothing_done(
        self, server: LiveServer, twilio: FakeTwilio, db: Engine
    ) -> None:
        socket = f"{server.base_url}/sms/inbound"
        tries = {
            "unsigned": ({}, self.params(new_sid("SM"))),
            "forged": (
                signed_webhook(INBOUND, self.params("SMforged"), "not-the-token"),
                self.params("SMforged"),
            ),
            # Signed for the address it reached, not the public one Twilio was given.
            "misaddressed": (
                signed_webhook(socket, self.params("SMmisaddressed"), twilio.auth_token),
                self.params("SMmisaddressed"),
            ),
            "tampered": (
                signed_webhook(INBOUND, self.params("SMtampered"), twilio.auth_token),
                self.params("SMtampered", body="STOP"),
            ),
        }
        for name, (headers, params) in tries.items():
            answer = httpx.post(socket, data=params, headers=headers)
            assert (name, answer.status_code) == (name, 403)
        status = httpx.post(f"{server.base_url}/sms/status", data={"MessageSid": "SMx"})
        assert status.status_code == 403
        assert client_texts(db, self.PHONE) == []
        assert (
            count(
                db,
                "SELECT count(*) FROM inbound_receipts WHERE channel = 'sms'"
                " AND external_id IN ('SMforged', 'SMmisaddressed', 'SMtampered')",
            )
            == 0
        )
        opted_out = "SELECT count(*) FROM sms_opt_outs WHERE phone_index = :p"
        assert count(db, opted_out, p=index_of(self.PHONE)) == 0
        assert twilio.sent_to(self.PHONE) == []
        # The same message signed for the public address is taken in.
        signed = twilio.post_webhook(INBOUND, self.params("SMgenuine"))
        assert signed.status_code == 200
        twilio.wait_for_messages(1, to=self.PHONE)
        assert client_texts(db, self.PHONE) == ["Hello"]

    def test_a_message_twilio_retries_is_taken_once(
        self, server: LiveServer, twilio: FakeTwilio, db: Engine
    ) -> None:
        phone, sid = "+4917000000078", new_sid("SM")
        first = twilio.incoming(INBOUND, sender=phone, body="Hello there", message_sid=sid)
        again = twilio.incoming(INBOUND, sender=phone, body="Hello there", message_sid=sid)
        assert (said_back(first), said_back(again)) == (None, None)
        twilio.wait_for_messages(1, to=phone)
        assert client_texts(db, phone) == ["Hello there"]
        assert count(db, "SELECT count(*) FROM inbound_receipts WHERE external_id = :s", s=sid) == 1

    def test_help_is_answered_at_once_and_only_once_per_message(
        self, server: LiveServer, twilio: FakeTwilio, db: Engine
    ) -> None:
        phone, sid = "+4917000000079", new_sid("SM")
        help_text = said_back(twilio.incoming(INBOUND, sender=phone, body="help", message_sid=sid))
        assert help_text is not None
        assert help_text.endswith("Reply STOP to opt out.")
        assert PUBLIC in help_text
        assert (
            said_back(twilio.incoming(INBOUND, sender=phone, body="help", message_sid=sid)) is None
        )
        assert client_texts(db, phone) == []  # a keyword is not a message for the agent


class TestOptOut:
    PHONE = "+4917000000055"

    def test_stop_silences_the_number_until_start(
        self, server: LiveServer, twilio: FakeTwilio, db: Engine
    ) -> None:
        twilio.incoming(INBOUND, sender=self.PHONE, body="Hello")
        twilio.wait_for_messages(1, to=self.PHONE)

        stopped = said_back(twilio.incoming(INBOUND, sender=self.PHONE, body=" Stop "))
        assert stopped == (
            "You are unsubscribed from Frontdesk practice messages. Reply START to resubscribe."
        )
        assert said_back(twilio.incoming(INBOUND, sender=self.PHONE, body="STOP")) is None
        assert said_back(twilio.incoming(INBOUND, sender=self.PHONE, body="HELP")) is None
        assert said_back(twilio.incoming(INBOUND, sender=self.PHONE, body="Are you there?")) is None
        assert client_texts(db, self.PHONE) == ["Hello"]
        opted_out = "SELECT count(*) FROM sms_opt_outs WHERE phone_index = :p"
        assert count(db, opted_out, p=index_of(self.PHONE)) == 1

        conversation_id = self.conversation(db)
        # An admin: a provider sees a stranger's conversation only once it waits for a person.
        with ConsoleClient(server, ADMIN) as console:
            assert console.act("take_over", conversation_id=conversation_id)["type"] == "done"
            reply = console.act("reply", conversation_id=conversation_id, text="Dr. Hoffmann here.")
            assert reply["type"] == "done"
            # Not even attempted: Twilio was never asked (it would have refused with 21610).
            assert len(twilio.sent_to(self.PHONE)) == 1
            assert [r for r in twilio.refused if r["To"] == self.PHONE] == []

            with pytest.raises(DeliveryFailed) as refused:
                self.notify(twilio, "Reminder: your visit is tomorrow.")
            assert refused.value.permanent

            started = said_back(twilio.incoming(INBOUND, sender=self.PHONE, body="start"))
            assert started is not None
            assert started.startswith("You are resubscribed to Frontdesk practice messages.")
            assert count(db, opted_out, p=self.PHONE) == 0
            console.act("reply", conversation_id=conversation_id, text="Welcome back.")
            back = twilio.wait_for_messages(2, to=self.PHONE)[1]
            assert back["Body"] == "Welcome back."
        assert self.notify(twilio, "Reminder: your visit is tomorrow.")

    @staticmethod
    def notify(twilio: FakeTwilio, body: str) -> str | None:
        courier = SmsCourier(twilio.client())
        outgoing = Outgoing(notification_id=1, to=TestOptOut.PHONE, subject="", body=body)
        return asyncio.run(courier.send(outgoing))

    def conversation(self, db: Engine) -> str:
        with db.connect() as connection:
            return str(
                connection.execute(
                    text(
                        "SELECT id FROM conversations WHERE channel = 'sms' AND address_index = :p"
                    ),
                    {"p": index_of(self.PHONE)},
                ).scalar_one()
            )


class TestDeliveryStatus:
    PHONE = "+4917000000066"

    def test_callbacks_move_a_notification_forward_never_back(
        self, server: LiveServer, twilio: FakeTwilio, db: Engine
    ) -> None:
        delivered = self.notification(twilio, db)
        assert twilio.report_status(self.sid(db, delivered), "sent").status_code == 204
        assert self.status(db, delivered) == ("sent", "")
        twilio.report_status(self.sid(db, delivered), "delivered")
        twilio.report_status(self.sid(db, delivered), "sent")  # late, out of order
        assert self.status(db, delivered) == ("delivered", "")

        failed = self.notification(twilio, db)
        twilio.report_status(self.sid(db, failed), "undelivered", error_code=30003)
        assert self.status(db, failed) == ("failed", "undelivered: error 30003")

    def test_a_forged_callback_changes_nothing(
        self, server: LiveServer, twilio: FakeTwilio, db: Engine
    ) -> None:
        row = self.notification(twilio, db)
        params = {"MessageSid": self.sid(db, row), "MessageStatus": "failed", "ErrorCode": "1"}
        forged = httpx.post(
            f"{server.base_url}/sms/status",
            data=params,
            headers=signed_webhook(STATUS, params, "not-the-token"),
        )
        assert forged.status_code == 403
        assert self.status(db, row) == ("sent", "")

    def test_a_callback_for_a_message_we_do_not_know_is_ignored(
        self, server: LiveServer, twilio: FakeTwilio
    ) -> None:
        params = {"MessageSid": new_sid("SM"), "MessageStatus": "delivered"}
        assert twilio.post_webhook(STATUS, params).status_code == 204

    def notification(self, twilio: FakeTwilio, db: Engine) -> int:
        """Send a text as the worker would and record it as the worker's notification row."""
        courier = SmsCourier(twilio.client(status_callback_url=STATUS))
        outgoing = Outgoing(notification_id=0, to=self.PHONE, subject="", body="Confirmed.")
        sid = asyncio.run(courier.send(outgoing))
        now = datetime.now(UTC)
        with Session(db) as session:
            outbox = OutboxMessage(created_at=now, event="booking.confirmed", subject_id="x")
            session.add(outbox)
            session.flush()
            assert outbox.id is not None
            row = Notification(
                outbox_id=outbox.id,
                event="booking.confirmed",
                channel="sms",
                to_address=self.PHONE,
                body="Confirmed.",
                status=NotificationStatus.SENT,
                attempts=1,
                provider_message_id=sid,
                next_attempt_at=now,
                created_at=now,
                updated_at=now,
            )
            session.add(row)
            session.commit()
            assert row.id is not None
            return row.id

    @staticmethod
    def sid(db: Engine, notification_id: int) -> str:
        with Session(db) as session:
            sid = session.get_one(Notification, notification_id).provider_message_id
            assert sid is not None
            return sid

    @staticmethod
    def status(db: Engine, notification_id: int) -> tuple[str, str]:
        with Session(db) as session:
            row = session.get_one(Notification, notification_id)
            return row.status, row.error


def test_a_picture_is_answered_with_where_files_go(twilio: FakeTwilio, server: LiveServer) -> None:
    answer = twilio.incoming(INBOUND, sender="+4917000000044", body="", media=1)
    reply = said_back(answer)
    assert reply is not None
    assert reply.startswith("Files cannot be sent by text message.")


class TestAClaimByText:
    """Issue 16: Mallory texts from her own phone claiming Victor's number, before Victor."""

    MALLORY = "+491705550666"
    VICTOR = "+491705550400"

    @staticmethod
    def latest_code(db: Engine, phone: str) -> str:
        with Session(db) as session:
            sent = session.exec(
                select(OutboxMessage)
                .where(OutboxMessage.event == "identity.code")
                .order_by(col(OutboxMessage.id).desc())
            ).all()
            codes = [(destination_of(session, m.payload), m.payload.get("code")) for m in sent]
        return str(next(code for to, code in codes if to == phone))

    def test_the_texter_never_sees_what_the_numbers_owner_books_after_proving_it(
        self, server: LiveServer, twilio: FakeTwilio, db: Engine
    ) -> None:
        twilio.incoming(INBOUND, sender=self.MALLORY, body="I'm Victor Victim, +49 170 5550400")
        twilio.wait_for_messages(1, to=self.MALLORY)

        with ChatClient(server.ws_url) as victor:
            victor.say("I'm Victor Victim, +49 170 5550400")
            # Codes wait in the outbox for the notification worker, which this server lacks.
            code = self.latest_code(db, self.VICTOR)
            victor.say(code)
            booked = book_a_dermatologist(victor)
            assert "Lehmann" in booked.text

        twilio.incoming(INBOUND, sender=self.MALLORY, body="What appointments do I have?")
        answer = twilio.wait_for_messages(2, to=self.MALLORY)[-1]["Body"]
        assert "Lehmann" not in answer
        assert INSURANCE not in answer
