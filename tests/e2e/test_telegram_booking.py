"""A whole booking over Telegram: real Update JSON to our webhook, the real python-telegram-bot
client answering through a local Bot API, inline buttons for the times and the confirmation."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import docx
import httpx
import pytest
from sqlalchemy import create_engine, text

from testkit.fake_telegram import (
    BotChat,
    FakeTelegram,
    Params,
    buttons,
    callback_update,
    next_update_id,
    photo_update,
)
from testkit.live import LiveServer
from testkit.stored import index_of
from testkit.telegram_server import bot_chat
from tests.e2e.telegram_fixtures import server, telegram

INTAKE = "born 1990-04-01, insurance number A123456789"
REQUEST = "I need a dermatologist tomorrow morning"


__all__ = ["server", "telegram"]  # the Telegram modules' fixtures


def rows(server: LiveServer, query: str, **params: Any) -> list[tuple[Any, ...]]:
    engine = create_engine(f"sqlite:///{server.log_path.parent / 'frontdesk.db'}")
    with engine.connect() as db:
        found = [tuple(row) for row in db.execute(text(query), params)]
    engine.dispose()
    return found


def book(bot: BotChat) -> tuple[Params, list[Params]]:
    """Book like a person: tap a time, answer what is asked, tap Confirm.

    Returns the message with the booking card and every message the bot sent meanwhile.
    """
    start = bot.fake.mark()
    reply = bot.say(REQUEST)
    for _ in range(15):
        labels = [b["text"] for b in buttons(reply)]
        if "Booking confirmed" in reply["text"]:
            return reply, bot.replies(since=start)
        if "Confirm" in labels:
            reply = bot.tap(reply, "Confirm")
        elif labels:
            reply = bot.tap(reply, labels[0])
        elif "still need" in reply["text"]:
            reply = bot.say(INTAKE)
        else:
            reply = bot.say(REQUEST)
    raise AssertionError(f"no booking; last reply {reply['text']!r}")


@dataclass(frozen=True)
class Booked:
    bot: BotChat
    card: Params  # the bot's message with the booking card
    said: list[Params]  # every message the bot sent in the booking


@pytest.fixture(scope="module")
def bruno(server: LiveServer, telegram: FakeTelegram) -> Booked:
    bot = bot_chat(server, telegram, 5550102, "Bruno")
    bot.send("/start")
    card, said = book(bot)
    return Booked(bot, card, said)


def conversation_of(server: LiveServer, chat_id: int) -> str:
    [(conversation_id,)] = rows(
        server,
        "SELECT id FROM conversations WHERE channel = 'telegram' AND address_index = :chat"
        " AND status != 'closed'",
        chat=index_of(str(chat_id)),
    )
    return str(conversation_id)


class TestABookingOverTelegram:
    def test_start_greets_the_chat_and_makes_it_a_client(
        self, server: LiveServer, telegram: FakeTelegram
    ) -> None:
        bot = bot_chat(server, telegram, 5550101, "Tilda")
        since = telegram.mark()

        bot.send("/start")

        greeting = bot.wait_reply(since)
        assert "Tilda" in greeting["text"]
        keyboard = greeting["reply_markup"]["keyboard"]
        assert keyboard[0][0]["request_contact"] is True
        assert rows(
            server,
            "SELECT c.name FROM channel_identities i JOIN clients c ON c.id = i.client_id"
            " WHERE i.channel = 'telegram' AND i.address_index = :chat",
            chat=index_of("5550101"),
        ) == [("Tilda",)]

    def test_a_client_books_with_inline_buttons_and_gets_the_card_and_the_form(
        self, server: LiveServer, bruno: Booked
    ) -> None:
        bot, card, said = bruno.bot, bruno.card, bruno.said
        offered = next(m for m in said if len(buttons(m)) > 1)
        for button in buttons(offered):
            assert len(button["callback_data"].encode()) <= 64
        assert "Booking confirmed" in card["text"]
        form = bot.fake.wait_for(
            "sendDocument", lambda p: str(p["chat_id"]) == "5550102", timeout=60
        )
        filled = docx.Document(io.BytesIO(form["document"]))
        assert "Bruno" in "\n".join(p.text for p in filled.paragraphs)
        [(status, client)] = rows(
            server,
            "SELECT b.status, c.name FROM bookings b JOIN clients c ON c.id = b.client_id"
            " JOIN channel_identities i ON i.client_id = c.id"
            " WHERE i.channel = 'telegram' AND i.address_index = :chat AND b.status = 'confirmed'",
            chat=index_of("5550102"),
        )
        assert (status, client) == ("confirmed", "Bruno")

    def test_every_tap_is_answered_and_its_keyboard_removed(
        self, server: LiveServer, telegram: FakeTelegram
    ) -> None:
        bot = bot_chat(server, telegram, 5550103, "Clara")
        bot.send("/start")
        offer = bot.say(REQUEST)
        assert len(buttons(offer)) > 1
        since = telegram.mark()

        bot.tap(offer, buttons(offer)[0]["text"])

        answered = telegram.calls("answerCallbackQuery", since=since)
        assert len(answered) == 1
        edited = telegram.wait_for(
            "editMessageText", lambda p: p["message_id"] == str(offer["message_id"]), since=since
        )
        assert "inline_keyboard" not in str(edited.get("reply_markup") or "")

    def test_a_stale_tap_is_answered_and_says_nothing_to_the_agent(
        self, server: LiveServer, telegram: FakeTelegram
    ) -> None:
        bot = bot_chat(server, telegram, 5550104, "Dora")
        bot.send("/start")
        offer = bot.say(REQUEST)
        bot.say("What are your opening hours?")  # the offer is no longer the question
        before = rows(server, "SELECT count(*) FROM conversation_entries")
        since = telegram.mark()

        stale = bot.post(bot.tap_update(offer, buttons(offer)[0]["text"]))
        unknown = [
            bot.post(callback_update(next_update_id(), bot.chat_id, data, message_id=1))
            for data in ("b:987654321:0", "not-ours", "b:1:99")
        ]

        assert [r.status_code for r in [stale, *unknown]] == [200] * 4
        answers = telegram.calls("answerCallbackQuery", since=since)
        assert len(answers) == 4
        assert all("no longer" in a.get("text", "") for a in answers)
        assert rows(server, "SELECT count(*) FROM conversation_entries") == before

    def test_another_chats_button_is_not_taken(
        self, server: LiveServer, telegram: FakeTelegram
    ) -> None:
        owner = bot_chat(server, telegram, 5550105, "Emil")
        owner.send("/start")
        offer = owner.say(REQUEST)
        intruder = bot_chat(server, telegram, 5550106, "Eve")
        intruder.send("/start")
        before = rows(server, "SELECT count(*) FROM conversation_entries")
        since = telegram.mark()

        answered = intruder.post(intruder.tap_update(offer, buttons(offer)[0]["text"]))

        assert answered.status_code == 200
        [answer] = telegram.calls("answerCallbackQuery", since=since)
        assert "no longer" in answer["text"]
        assert rows(server, "SELECT count(*) FROM conversation_entries") == before


class TestDocumentsOverTelegram:
    def test_the_booking_asks_for_its_documents_in_the_chat(self, bruno: Booked) -> None:
        assert any("Please send" in m["text"] for m in bruno.said)

    def test_a_photo_is_kept_encrypted_for_the_request_and_staff_download_it(
        self, server: LiveServer, telegram: FakeTelegram, bruno: Booked, admin: httpx.Client
    ) -> None:
        photo = JPEG + b"Bruno's insurance card 4711-0815" + bytes(2000)
        file_id = telegram.add_file(photo, "photos/file_17.jpg")
        since = telegram.mark()

        posted = bruno.bot.post(
            photo_update(next_update_id(), bruno.bot.chat_id, file_id, file_size=len(photo))
        )

        assert posted.status_code == 200, posted.text
        reply = bruno.bot.wait_reply(since)
        assert reply["text"].startswith("Received your")
        [(document_id, sealed, channel, status)] = rows(
            server,
            "SELECT d.id, d.ciphertext, d.channel, r.status FROM uploaded_documents d"
            " JOIN document_requests r ON r.id = d.request_id"
            " JOIN bookings b ON b.id = d.booking_id WHERE b.id = :booking",
            booking=booking_of(server, bruno),
        )
        assert (channel, status) == ("telegram", "received")
        assert b"4711-0815" not in sealed
        assert len(sealed) == 12 + len(photo) + 16  # nonce, ciphertext, tag
        download = admin.get(f"/documents/{document_id}/content")
        assert download.status_code == 200, download.text
        assert download.content == photo
        entries = admin.get(f"/conversations/{conversation_of(server, 5550102)}/entries").json()
        uploads = [e["extra"].get("upload") or {} for e in entries]
        assert any(u.get("document_id") == document_id for u in uploads)

    def test_a_file_nobody_asked_for_is_refused_politely(
        self, server: LiveServer, telegram: FakeTelegram
    ) -> None:
        bot = bot_chat(server, telegram, 5550107, "Fritz")
        bot.send("/start")
        photo = JPEG + bytes(100)
        file_id = telegram.add_file(photo, "photos/file_18.jpg")
        since = telegram.mark()

        bot.post(photo_update(next_update_id(), bot.chat_id, file_id, file_size=len(photo)))

        assert "not asked you for any document" in bot.wait_reply(since)["text"]
        assert telegram.calls("getFile", since=since) == []


class TestAPersonAtThePractice:
    def test_a_staff_reply_after_taking_over_reaches_the_telegram_chat(
        self, server: LiveServer, telegram: FakeTelegram, bruno: Booked, admin: httpx.Client
    ) -> None:
        conversation_id = conversation_of(server, bruno.bot.chat_id)
        assert admin.post(f"/conversations/{conversation_id}/take-over").status_code == 200
        since = telegram.mark()

        replied = admin.post(
            f"/conversations/{conversation_id}/reply",
            json={"text": "Hello Bruno, please bring your card <b>too</b> & a pen."},
        )

        assert replied.status_code == 200, replied.text
        said = telegram.wait_for(
            "sendMessage", lambda p: "bring your card" in p["text"], since=since, timeout=30
        )
        assert str(said["chat_id"]) == str(bruno.bot.chat_id)
        assert "&lt;b&gt;too&lt;/b&gt; &amp; a pen" in said["text"]  # their text, not markup
        admin.post(f"/conversations/{conversation_id}/hand-back")


def booking_of(server: LiveServer, booked: Booked) -> str:
    [(booking_id,)] = rows(
        server,
        "SELECT b.id FROM bookings b JOIN channel_identities i ON i.client_id = b.client_id"
        " WHERE i.channel = 'telegram' AND i.address_index = :chat AND b.status = 'confirmed'",
        chat=index_of(str(booked.bot.chat_id)),
    )
    return str(booking_id)


JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"
