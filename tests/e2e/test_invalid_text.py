"""Text no database can store — half of a surrogate pair, escaped in JSON — stopped at the door.

JSON may carry "\\ud83d" alone (an emoji cut in half); Python decodes it to a string that
neither SQLite nor PostgreSQL can store. Every way in answers it plainly instead of failing
later: the REST API with a 422, the web chat with an error frame, Telegram's webhook with
200 and the text cleaned (a 500 would have Telegram deliver the update again, forever).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl, quote_plus

import httpx
import pytest
from sqlalchemy import Engine

from testkit.chat_client import ChatClient
from testkit.fake_telegram import (
    SECRET_HEADER,
    FakeTelegram,
    message_update,
    next_update_id,
)
from testkit.fake_twilio import FakeTwilio, fake_twilio, new_sid, signed_webhook, twilio_env
from testkit.live import LiveServer, live_server
from testkit.stored import client_texts, server_database
from testkit.telegram_server import WEBHOOK_SECRET, bot_chat, telegram_env
from tests.e2e.telegram_fixtures import telegram

PUBLIC = "https://frontdesk.example.org"
HALF_AN_EMOJI = "\\ud83d"  # as JSON writes it: the high half of 😀 with no low half after it
REPLACEMENT = "\ufffd"

__all__ = ["telegram"]  # the Telegram modules' fake Bot API


@pytest.fixture(scope="module")
def twilio() -> Iterator[FakeTwilio]:
    with fake_twilio() as fake:
        yield fake


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, twilio: FakeTwilio, telegram: FakeTelegram
) -> Iterator[LiveServer]:
    env = {
        **telegram_env(telegram),
        **twilio_env(twilio),
        "FRONTDESK_PUBLIC_URL": PUBLIC,
    }
    with live_server(tmp_path_factory.mktemp("text") / "data", env=env) as running:
        twilio.forward(PUBLIC, running.base_url)
        yield running


@pytest.fixture(scope="module")
def db(server: LiveServer) -> Iterator[Engine]:
    engine = server_database(server)
    yield engine
    engine.dispose()


def said_by_client(db: Engine, channel: str, address: str) -> list[str]:
    return client_texts(db, channel, address)


def with_half_an_emoji(body: dict[str, Any], marker: str) -> bytes:
    """The JSON of `body`, with `marker` (in any string) made into a lone surrogate escape."""
    return json.dumps(body).replace(marker, HALF_AN_EMOJI).encode()


class TestTelegram:
    def test_an_update_with_half_an_emoji_is_taken_cleaned_and_answered_once(
        self, server: LiveServer, telegram: FakeTelegram, db: Engine
    ) -> None:
        bot = bot_chat(server, telegram, 7_100_001, "Greta")
        update_id, since = next_update_id(), telegram.mark()
        update = message_update(
            update_id, bot.chat_id, "What are your opening hours? @@", name="Gr@@"
        )
        body = with_half_an_emoji(update, "@@")

        def deliver() -> httpx.Response:
            headers = {SECRET_HEADER: WEBHOOK_SECRET, "Content-Type": "application/json"}
            return httpx.post(bot.webhook_url, content=body, headers=headers, timeout=60)

        taken = deliver()
        again = deliver()  # Telegram retries what it was not sure of: still nothing fails

        assert taken.status_code == 200, taken.text
        assert taken.json() == {"ok": True, "duplicate": False}
        assert again.status_code == 200
        assert again.json()["duplicate"] is True
        assert bot.wait_reply(since)["text"]
        said = said_by_client(db, "telegram", str(bot.chat_id))
        assert said == [f"What are your opening hours? {REPLACEMENT}"]


class TestWebChat:
    @pytest.mark.parametrize("field", ["text", "id"])
    def test_a_frame_with_half_an_emoji_gets_an_error_and_the_chat_goes_on(
        self, server: LiveServer, field: str
    ) -> None:
        frame = {"type": "message", "id": "m-1", "text": "Hello"}
        frame[field] += "@@"
        with ChatClient(server.ws_url) as chat:
            chat.send(with_half_an_emoji(frame, "@@").decode())
            error = chat.receive()
            assert (error["type"], error["code"]) == ("error", "bad_request")
            assert "not valid text" in error["detail"]
            assert chat.say("Hello").replies


class TestRestApi:
    def test_a_json_body_with_half_an_emoji_is_refused_with_422(self, admin: httpx.Client) -> None:
        body = with_half_an_emoji({"name": "Ana @@ Lima", "phone": "+4915100000099"}, "@@")

        refused = admin.post("/clients", content=body, headers={"Content-Type": "application/json"})

        assert refused.status_code == 422, refused.text
        assert refused.json()["code"] == "invalid_input"
        assert "not valid text" in refused.json()["detail"]
        assert admin.get("/clients", params={"q": "Lima"}).json()["total"] == 0

    def test_a_whole_emoji_escaped_as_a_pair_is_fine(self, admin: httpx.Client) -> None:
        body = json.dumps({"name": "Ana Lima 😀", "phone": "+4915100000098"}).encode()
        assert b"\\ud83d\\ude00" in body

        made = admin.post("/clients", content=body, headers={"Content-Type": "application/json"})

        assert made.status_code == 201, made.text
        assert made.json()["name"] == "Ana Lima 😀"


class TestSms:
    PHONES = iter(f"+491700000007{n}" for n in range(10))

    @pytest.mark.parametrize(
        ("body", "taken_as"),
        [
            # Percent-encoded UTF-8 of a lone surrogate: bytes no UTF-8 decoder accepts.
            ("Hi%20%ED%B3%BF%20there", f"Hi {REPLACEMENT * 3} there"),
            ("Hi%20%00%20there", f"Hi {REPLACEMENT} there"),
        ],
        ids=["invalid-utf8", "nul"],
    )
    def test_a_text_with_bytes_that_are_not_text_is_taken_cleaned(
        self, server: LiveServer, twilio: FakeTwilio, db: Engine, body: str, taken_as: str
    ) -> None:
        sid, phone = new_sid("SM"), next(self.PHONES)
        fields = {"MessageSid": sid, "From": phone, "To": twilio.from_number, "Body": body}
        raw = "&".join(f"{name}={quote_plus(value, safe='%')}" for name, value in fields.items())
        # Signed over the fields as a form parser reads them, as Twilio signs what it sent.
        signed_over = dict(parse_qsl(raw, keep_blank_values=True))
        headers = signed_webhook(f"{PUBLIC}/sms/inbound", signed_over, twilio.auth_token)

        answer = httpx.post(f"{server.base_url}/sms/inbound", content=raw.encode(), headers=headers)

        assert answer.status_code == 200, answer.text
        twilio.wait_for_messages(1, to=phone, timeout=60)  # a reply, by the REST API
        assert said_by_client(db, "sms", phone) == [taken_as]
