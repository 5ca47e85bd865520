"""Changing notifications in conversation, through the real offline agent and the database.

Tom has an email and a phone and no Telegram, so by default he hears everything by email;
Ana has also linked Telegram, so she hears everything by email and on Telegram.
"""

from __future__ import annotations

from sqlmodel import col, select

from domain.clients.preferences import channels_for
from domain.models import Client, NotificationPreference, OutboxMessage
from domain.notifications.codes import destination_of
from tests.integration.test_offline_conversations import (
    Chat,
    StartChat,
    called,
    sample_index,
    start_chat,
    text,
)

__all__ = ["sample_index", "start_chat"]  # fixtures shared with the finding tests
TOMS_PHONE = "+4915198765432"


def choices(chat: Chat, client_id: str | None = None) -> set[tuple[str, str, bool]]:
    with chat.uow().reading() as reader:
        rows = reader.session.exec(
            select(NotificationPreference).where(
                col(NotificationPreference.client_id) == (client_id or chat.client_id)
            )
        )
        return {(row.event, row.channel, row.enabled) for row in rows}


def delivered(chat: Chat, event: str) -> dict[str, str]:
    with chat.uow().reading() as reader:
        client = reader.session.get_one(Client, chat.client_id)
        return channels_for(reader.session, client, event)


class TestTurningOff:
    def test_stop_the_reminders_turns_them_off_on_every_channel(
        self, start_chat: StartChat
    ) -> None:
        chat = start_chat("tom")
        turn = chat.say("stop the reminders")
        assert called(turn) == ["set_notification_preferences"]
        assert choices(chat) == {
            ("booking.reminder", channel, False) for channel in ("email", "sms", "telegram")
        }
        assert delivered(chat, "booking.reminder") == {}
        assert delivered(chat, "booking.confirmed") == {"email": "tom.becker@example.com"}
        assert text(turn).startswith("Done: no more reminders.")
        assert "by email" in text(turn)

    def test_reminders_can_be_turned_back_on(self, start_chat: StartChat) -> None:
        chat = start_chat("tom")
        chat.say("no more reminders")
        chat.say("turn reminders back on")
        assert delivered(chat, "booking.reminder") == {"email": "tom.becker@example.com"}


class TestSwitchingChannels:
    def test_text_me_instead_of_email_sends_confirmations_by_sms(
        self, start_chat: StartChat
    ) -> None:
        chat = start_chat("tom")
        turn = chat.say("text me instead of email")
        assert delivered(chat, "booking.confirmed") == {"sms": TOMS_PHONE}
        assert delivered(chat, "booking.reminder") == {"sms": TOMS_PHONE}
        assert "instead of emailing" in text(turn)

    def test_switching_channels_does_not_bring_back_stopped_reminders(
        self, start_chat: StartChat
    ) -> None:
        chat = start_chat("tom")
        chat.say("stop the reminders")
        chat.say("text me instead of email")
        assert delivered(chat, "booking.cancelled") == {"sms": TOMS_PHONE}
        assert delivered(chat, "booking.reminder") == {}

    def test_reminders_on_telegram_for_a_client_who_linked_it(self, start_chat: StartChat) -> None:
        chat = start_chat("ana")
        chat.say("no more reminders")
        chat.say("send me reminders on telegram")
        assert set(delivered(chat, "booking.reminder")) == {"telegram"}

    def test_telegram_for_a_client_who_never_linked_it_is_explained_and_nothing_changes(
        self, start_chat: StartChat
    ) -> None:
        chat = start_chat("tom")
        turn = chat.say("send me reminders on telegram")
        assert "Telegram isn't linked" in text(turn)
        assert choices(chat) == set()

    def test_texting_a_client_without_a_phone_is_explained_and_nothing_changes(
        self, start_chat: StartChat
    ) -> None:
        chat = start_chat("tom")
        with chat.uow() as uow:
            uow.session.get_one(Client, "tom").phone = None
            uow.commit()
        turn = chat.say("text me instead of email")
        assert "I don't have a phone number for you" in text(turn)
        assert choices(chat) == set()
        assert delivered(chat, "booking.confirmed") == {"email": "tom.becker@example.com"}


class TestReading:
    def test_how_will_you_notify_me_tells_what_reaches_the_client_where(
        self, start_chat: StartChat
    ) -> None:
        chat = start_chat("ana")
        chat.say("don't email me")
        turn = chat.say("how will you notify me?")
        assert called(turn) == ["get_notification_preferences"]
        assert "on Telegram" in text(turn)
        assert "by email" not in text(turn)


class TestVisitors:
    def test_a_visitor_says_who_they_are_then_the_change_is_made(
        self, start_chat: StartChat
    ) -> None:
        chat = start_chat("tom")  # only for its agent and database

        def say(words: str) -> str:
            turn = chat.agent.send(
                conversation_id="chat-visitor", client_id=None, channel="web", text=words
            )
            return text(turn)

        assert "full name" in say("no more reminders")
        # A change to what is on file waits for the code sent to the email typed.
        registered = say("Nora New, nora.new@example.com")
        assert "code" in registered
        with chat.uow().reading() as reader:
            sent = reader.session.exec(
                select(OutboxMessage).where(OutboxMessage.event == "identity.code")
            ).one()
            assert destination_of(reader.session, sent.payload) == "nora.new@example.com"
        assert say(str(sent.payload["code"])).startswith("Done: no more reminders.")
        with chat.uow().reading() as reader:
            nora = reader.session.exec(select(Client).where(Client.name == "Nora New")).one()
        assert ("booking.reminder", "email", False) in choices(chat, nora.id)


class TestDuringABookingSummary:
    def test_stopping_reminders_at_the_summary_keeps_the_booking_on_the_table(
        self, start_chat: StartChat
    ) -> None:
        chat = start_chat("ana")  # her intake is complete: the summary comes at once
        chat.say("I'd like to see a dermatologist on Tuesday")
        summary = chat.say("14:30")
        assert summary.question is not None
        turn = chat.say("stop the reminders")
        # The wish is done and the same summary is asked again: not read as a "no".
        assert "set_notification_preferences" in called(turn)
        assert text(turn).startswith("Done: no more reminders.")
        assert turn.question is not None
        assert turn.question["action"] == "confirm_booking"
        assert delivered(chat, "booking.reminder") == {}
        booked = chat.say("yes")
        assert "request_documents" in called(booked)
        assert "Tue 3 Mar 2026, 14:30" in chat.confirmed_starts()
