"""Conversations in German and Russian on the demo world, through the offline model.

The real agent (offline model, real tools, the demo world's knowledge index) on SQLite and
PostgreSQL: each reply is checked with the service's own detector, the tool calls stay
language-neutral (ids, ISO times), and the language is kept on the conversation and client.
"""

from __future__ import annotations

from agent.language.detection import written_in
from agent.runner import Turn
from domain.models import Client, Conversation, DocumentKind, Service
from tests.integration.test_offline_conversations import Chat, StartChat, calls
from tests.integration.test_quoted_failures import clock, demo_index, start_chat

__all__ = ["clock", "demo_index", "start_chat"]  # the demo fixtures, shared with those tests


def languages(chat: Chat) -> tuple[str | None, str | None]:
    """The language stored on the chat's conversation and on its client."""
    with chat.uow().reading() as reader:
        conversation = reader.session.get_one(Conversation, chat.conversation_id)
        client = reader.session.get_one(Client, chat.client_id)
        return conversation.language, client.language


def replies_in(turn: Turn) -> set[str | None]:
    """The languages of a turn's replies (None: only times, numbers or names)."""
    return {written_in(reply) for reply in turn.replies} - {None}


def test_a_german_client_books_in_german(start_chat: StartChat) -> None:
    talk = start_chat("lena-schmidt")
    offered = talk.say("Ich möchte einen Termin bei Dr. Lehmann")
    assert replies_in(offered) == {"de"}
    assert "Welche passt Ihnen?" in offered.replies[-1]
    (searched,) = calls(offered, "check_slots")
    assert searched["provider_id"] == "dr-lehmann"

    asked = talk.say("2")
    assert replies_in(asked) == {"de"}
    assert asked.question is not None
    assert asked.question["options"] == ["Confirm", "Change"]  # what a button answers
    assert asked.question["labels"] == ["Bestätigen", "Ändern"]
    assert "Preis: 80,00\xa0€" in asked.question["question"]
    (held,) = calls(asked, "prefill_booking")
    assert held["start"].startswith("2026-")  # tool arguments stay ISO, in every language

    booked = talk.say("ja")
    assert replies_in(booked) == {"de"}
    assert booked.replies[-1].startswith("Ihr Termin ist gebucht")
    assert languages(talk) == ("de", "de")


def test_a_russian_client_books_in_russian(start_chat: StartChat) -> None:
    talk = start_chat("markus-wolf")
    offered = talk.say("Мне нужен терапевт завтра утром")
    assert replies_in(offered) == {"ru"}
    assert "завтра, 08:00" in offered.replies[-1]
    assert all(args["date_from"] == "2026-03-10" for args in calls(offered, "check_slots"))

    asked = talk.say("1")
    assert replies_in(asked) == {"ru"}
    assert asked.question is not None
    assert asked.question["labels"][0] == "Подтвердить"

    booked = talk.say("да")
    assert replies_in(booked) == {"ru"}
    assert booked.replies[-1].startswith("Вы записаны")
    assert languages(talk) == ("ru", "ru")


def test_the_clients_language_carries_over_to_their_next_conversation(
    start_chat: StartChat,
) -> None:
    first = start_chat("markus-wolf")
    first.say("Мне нужен терапевт завтра утром")
    second = start_chat("markus-wolf")
    assert replies_in(second.say("2")) <= {"ru"}
    assert languages(second) == ("ru", "ru")


def test_asking_for_another_language_switches_the_replies(start_chat: StartChat) -> None:
    talk = start_chat("lena-schmidt")
    assert replies_in(talk.say("Ich möchte einen Termin bei Dr. Lehmann")) == {"de"}
    switched = talk.say("please answer in English")
    assert replies_in(switched) == {"en"}
    assert replies_in(talk.say("ok")) <= {"en"}
    assert languages(talk) == ("en", "en")


def test_an_english_conversation_is_unchanged(start_chat: StartChat) -> None:
    talk = start_chat("lena-schmidt")
    offered = talk.say("I need a dermatologist tomorrow")
    assert replies_in(offered) == {"en"}
    assert "Which one suits you?" in offered.replies[-1]
    asked = talk.say("1")
    assert asked.question is not None
    assert asked.question["labels"] == ["Confirm", "Change"]
    assert "Price: 80.00 EUR" in asked.question["question"]
    assert languages(talk) == ("en", "en")


def test_replies_use_the_catalogs_translations_where_there_are_any(
    start_chat: StartChat,
) -> None:
    talk = start_chat("lena-schmidt")
    with talk.uow() as uow:
        service = uow.session.get_one(Service, "derm-consult")
        service.translations = {"de": {"name": "Hautärztliche Sprechstunde"}}
        kind = uow.session.get_one(DocumentKind, "insurance_card")
        kind.translations = {"de": {"name": "Versichertenkarte"}}
        uow.commit()
    offered = talk.say("Ich möchte einen Termin bei Dr. Lehmann")
    assert "für Hautärztliche Sprechstunde:" in offered.replies[-1]
    assert calls(offered, "check_slots")[0]["service_id"] == "derm-consult"
    talk.say("2")
    booked = talk.say("ja")
    assert "Bitte senden oder bringen Sie mit: Versichertenkarte." in booked.replies[-1]

    english = start_chat("markus-wolf")
    said = english.say("I need a dermatologist tomorrow")
    assert "Dermatology consultation" in said.replies[-1]  # no English translation: the original
