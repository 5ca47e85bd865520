"""The web chat over a real websocket against `frontdesk serve --demo` under uvicorn."""

from __future__ import annotations

import io
import random
import re
import time
from collections.abc import Iterator
from datetime import date, datetime

import httpx
import pytest
from docx import Document
from sqlalchemy import create_engine, text

from testkit.chat_client import INTAKE, ChatClient, book_something
from testkit.live import DEMO_NOW, LiveServer, live_server
from testkit.when_labels import label_wall_time


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with live_server(tmp_path_factory.mktemp("web-chat") / "data") as running:
        yield running


def database(server: LiveServer) -> str:
    return f"sqlite:///{server.log_path.parent / 'frontdesk.db'}"


class TestBooking:
    def test_a_new_visitor_books_by_buttons_and_gets_a_card_with_their_form(
        self, server: LiveServer
    ) -> None:
        with ChatClient(server.ws_url) as chat:
            assert chat.hello["status"] == "bot"
            assert chat.hello["history"] == []
            offered = chat.say("I need a dermatologist tomorrow morning")
            assert len(offered.buttons) >= 3
            # The buttons carry the times; the text leads in and asks, and lists none of them.
            assert "Dr. Sabine Lehmann has these free times" in offered.text
            assert "Which one suits you?" in offered.text
            for button in offered.buttons:
                assert button["label"].split(" · ")[0] not in offered.text
            asked = chat.press(offered, offered.buttons[1]["label"])
            assert "full name" in asked.text
            held = chat.say("I'm Lisa Browser, +49 170 5550199")
            assert "still need" in held.text
            summary = chat.say(INTAKE)
            assert [b["label"] for b in summary.buttons] == ["Confirm", "Change"]
            booked = chat.press(summary, "Confirm")
        card = booked.card
        assert card is not None
        assert card["status"] == "confirmed"
        assert card["provider"] == "Dr. Sabine Lehmann"
        demo_today = datetime.fromisoformat(DEMO_NOW).date()
        assert card["when"].startswith("tomorrow, ")
        assert label_wall_time(card["when"], today=demo_today).date() == date(2026, 3, 10)
        (form,) = card["forms"]
        download = httpx.get(server.base_url + form["url"])
        assert download.status_code == 200
        document = Document(io.BytesIO(download.content))
        assert "Lisa Browser" in "\n".join(p.text for p in document.paragraphs)
        with create_engine(database(server)).connect() as db:
            status, client = db.execute(
                text(
                    "SELECT b.status, c.name FROM bookings b JOIN clients c ON c.id = b.client_id"
                    " WHERE b.id = :id"
                ),
                {"id": card["booking_id"]},
            ).one()
        assert (status, client) == ("confirmed", "Lisa Browser")

    def test_a_tampered_or_expired_form_link_is_refused(self, server: LiveServer) -> None:
        with ChatClient(server.ws_url) as chat:
            card = book_something(
                chat,
                request="I need a GP on Wednesday",
                name="Tim Linkcheck",
                phone="+49 170 5550188",
                rng=random.Random(1),
            )
        url = card["forms"][0]["url"]
        assert httpx.get(server.base_url + url).status_code == 200
        tampered = re.sub(r"signature=(.)", lambda m: "signature=" + "0f"[m[1] == "0"], url)
        assert httpx.get(server.base_url + tampered).status_code == 403
        expired = re.sub(r"expires=\d+", "expires=1000", url)
        assert httpx.get(server.base_url + expired).status_code == 403
        foreign = re.sub(r"signature=\w+", "signature=%C3%A9t%C3%A9", url)
        assert httpx.get(server.base_url + foreign).status_code == 403

    def test_replies_stream_in_pieces_that_add_up_to_the_reply(self, server: LiveServer) -> None:
        with ChatClient(server.ws_url) as chat:
            exchange = chat.say("What are your cancellation rules?")
        (reply,) = exchange.replies
        pieces = [
            d["text"] for d in exchange.of_type("delta") if d["reply_id"] == reply["reply_id"]
        ]
        assert len(pieces) > 3
        assert "".join(pieces) == reply["text"]
        kinds = [f["type"] for f in exchange.frames]
        assert kinds.index("typing") < kinds.index("delta") < kinds.index("reply")


class TestReturningBrowser:
    def test_the_session_brings_the_conversation_back(self, server: LiveServer) -> None:
        with ChatClient(server.ws_url) as first:
            first.say("Hello")
            first.say("What does a dermatology consultation cost?")
        # A visitor's conversation starts with their first message, not with the connection.
        assert first.hello["conversation_id"] is None
        with ChatClient(server.ws_url, session=first.session) as again:
            assert again.hello["conversation_id"] is not None
            history = again.hello["history"]
        assert [e["author"] for e in history] == ["client", "agent", "client", "agent"]
        assert history[2]["text"] == "What does a dermatology consultation cost?"
        assert all(e["tool"] is None for e in history)

    def test_an_unknown_or_malformed_session_starts_afresh(self, server: LiveServer) -> None:
        with ChatClient(server.ws_url, session="not-a-token") as chat:
            assert chat.session != "not-a-token"
            assert chat.hello["history"] == []


class TestDelivery:
    def test_a_message_id_sent_twice_is_answered_once(self, server: LiveServer) -> None:
        with ChatClient(server.ws_url) as chat:
            first = chat.say("Hello", message_id="m-1")
            again = chat.say("Hello", message_id="m-1")
            assert first.ack == {"type": "ack", "id": "m-1", "duplicate": False}
            assert again.ack == {"type": "ack", "id": "m-1", "duplicate": True}
        with ChatClient(server.ws_url, session=chat.session) as back:
            assert [e["author"] for e in back.hello["history"]] == ["client", "agent"]

    def test_messages_sent_at_once_are_answered_in_order(self, server: LiveServer) -> None:
        questions = ["Hello", "How much is a general practitioner visit?", "Thanks!"]
        with ChatClient(server.ws_url) as chat:
            for number, question in enumerate(questions):
                chat.send({"type": "message", "id": f"q{number}", "text": question})
            ends = 0
            while ends < len(questions):
                frame = chat.receive()
                ends += frame["type"] == "typing" and not frame["on"]
        with ChatClient(server.ws_url, session=chat.session) as back:
            history = back.hello["history"]
        asked = [e["text"] for e in history if e["author"] == "client"]
        answers = [e["text"] for e in history if e["author"] == "agent"]
        assert asked == questions
        assert len(answers) == 3
        assert "50.00" in answers[1]
        assert "50.00" not in answers[0] + answers[2]


class TestBadInput:
    @pytest.mark.parametrize(
        ("frame", "code"),
        [
            ("this is not json", "bad_json"),
            ("[1, 2]", "bad_json"),
            ('{"type": "shout", "text": "hi"}', "unknown_type"),
            ('{"type": "message", "id": "x"}', "bad_request"),
            ('{"type": "message", "id": "x", "text": ""}', "bad_request"),
            ('{"type": "message", "id": "' + "x" * 65 + '", "text": "hi"}', "bad_request"),
            ('{"type": "message", "id": "x", "text": "' + "a" * 5000 + '"}', "too_large"),
            ('{"type": "message", "id": "x", "text": "nul \\u0000 inside"}', "bad_request"),
        ],
    )
    def test_a_bad_frame_gets_an_error_and_the_conversation_goes_on(
        self, server: LiveServer, frame: str, code: str
    ) -> None:
        with ChatClient(server.ws_url) as chat:
            chat.send(frame)
            error = chat.receive()
            assert (error["type"], error["code"]) == ("error", code)
            assert error["detail"]
            assert chat.say("Hello").replies

    def test_binary_frames_are_refused(self, server: LiveServer) -> None:
        with ChatClient(server.ws_url) as chat:
            chat.socket.send(b"\x00\x01")
            assert chat.receive()["code"] == "bad_json"

    def test_a_flood_is_rate_limited_and_then_served_again(self, server: LiveServer) -> None:
        with ChatClient(server.ws_url) as chat:
            for _ in range(30):
                chat.send({"type": "ping"})
            answers = [chat.receive()["type"] for _ in range(30)]
            assert answers.count("pong") <= 12
            assert answers.count("error") >= 18
            time.sleep(1.5)
            chat.send({"type": "ping"})
            assert chat.receive()["type"] == "pong"
        assert httpx.get(server.base_url + "/healthz").status_code == 200


def code_in_log(server: LiveServer, phone: str) -> str:
    """The one-time code the embedded default writes to the server log."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        found = re.findall(
            rf"one-time code for client \S+ by sms to {re.escape(phone)}: (\d{{6}})", server.log()
        )
        if found:
            return str(found[-1])
        time.sleep(0.1)
    raise AssertionError(f"no code for {phone} in the server log")


class TestKnownClient:
    def test_a_known_client_is_linked_only_by_the_code_sent_to_their_phone(
        self, server: LiveServer
    ) -> None:
        with ChatClient(server.ws_url) as chat:
            anonymous = chat.say("Show my bookings")
            assert "full name" in anonymous.text
            sent = chat.say("I'm Lena Schmidt, +49 151 23847716")
            assert "ending in 16" in sent.text
            assert "Torstrasse" not in sent.text
            code = code_in_log(server, "+4915123847716")
            refused = chat.say(f"{(int(code) + 1) % 10**6:06d}")
            assert "not right" in refused.text
            linked = chat.say(code)
        # The bookings she asked for before she proved who she is, now shown.
        assert "Your upcoming appointments" in linked.text
        assert "tomorrow, 08:00: General practitioner visit" in linked.text
