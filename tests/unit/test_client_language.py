"""The client's language: recognised in a message, asked for, hinted, and kept.

Detection is the real lingua detector; the fallbacks run on the real schema (SQLite).
"""

from __future__ import annotations

import pytest
from sqlmodel import select

from agent.language.detection import asked_language, detect_language, hear
from domain.conversations.language import (
    Heard,
    client_language,
    conversation_language,
    hint_language,
    settle_language,
)
from domain.kernel.languages import accepted_languages
from domain.kernel.uow import UnitOfWork
from domain.models import PRACTICE_ROW_ID, Client, Conversation, Practice
from domain.world.schema import WorldIn


class TestRecognising:
    @pytest.mark.parametrize(
        ("text", "language"),
        [
            ("I need a dermatologist tomorrow morning", "en"),
            ("Ich brauche einen Termin beim Hautarzt", "de"),
            ("Morgen Nachmittag wäre gut", "de"),
            ("Мне нужен терапевт завтра утром", "ru"),
            ("окулист", "ru"),
        ],
    )
    def test_a_sentence_is_recognised_in_its_language(self, text: str, language: str) -> None:
        assert hear(text).language == language

    @pytest.mark.parametrize("text", ["ok", "2", "10:00", "Hans Müller, hans@example.de", "ja"])
    def test_a_name_a_number_or_one_word_tells_no_language(self, text: str) -> None:
        assert hear(text).language is None

    def test_a_time_button_tells_no_language(self) -> None:
        assert hear("Tue 10 Mar, 09:00 with Dr. Sabine Lehmann") == Heard()

    def test_only_a_sentence_clearly_in_another_language_is_decisive(self) -> None:
        assert hear("Ich möchte den Termin lieber verschieben").decisive
        assert not hear("Anna Schmidt").decisive
        assert not hear("yes please").decisive

    def test_cyrillic_is_russian_whatever_its_length(self) -> None:
        assert detect_language("да").language == "ru"


class TestAskingForALanguage:
    @pytest.mark.parametrize(
        ("text", "language"),
        [
            ("please answer in English", "en"),
            ("Can you speak English?", "en"),
            ("по-русски, пожалуйста", "ru"),
            ("на русском", "ru"),
            ("auf Deutsch bitte", "de"),
            ("Sprechen Sie Deutsch?", "de"),
            ("по-немецки", "de"),
            ("Deutsch", "de"),
        ],
    )
    def test_a_request_names_the_language(self, text: str, language: str) -> None:
        assert asked_language(text) == language

    @pytest.mark.parametrize(
        "text", ["I'm German", "Ich bin Deutsche", "a German translation of my diploma"]
    )
    def test_a_nationality_or_a_mention_is_no_request(self, text: str) -> None:
        assert asked_language(text) is None


def _offer(uow: UnitOfWork, languages: list[str]) -> None:
    with uow:
        practice = uow.session.get(Practice, PRACTICE_ROW_ID) or Practice(id=PRACTICE_ROW_ID)
        practice.languages = languages
        uow.session.add(practice)
        uow.commit()


def _start(uow: UnitOfWork, conversation_id: str, client_id: str | None = None) -> None:
    with uow:
        uow.session.add(
            Conversation(
                id=conversation_id,
                channel="web",
                client_id=client_id,
                created_at=uow.now(),
                updated_at=uow.now(),
            )
        )
        uow.commit()


def _client_id(uow: UnitOfWork) -> str:
    with uow.reading() as reader:
        return next(iter(reader.session.exec(select(Client.id))))


def _language_of_client(uow: UnitOfWork, client_id: str) -> str | None:
    with uow.reading() as reader:
        client = reader.session.get(Client, client_id)
        assert client is not None
        return client.language


def settle(uow: UnitOfWork, conversation_id: str, text: str, *, under_way: bool = True) -> str:
    return settle_language(
        uow=uow, conversation_id=conversation_id, heard=hear(text), under_way=under_way
    )


class TestKeepingTheLanguage:
    @pytest.fixture(autouse=True)
    def _three_languages(self, uow: UnitOfWork, sample_world: WorldIn) -> None:
        _offer(uow, ["en", "de", "ru"])

    def test_a_short_message_keeps_the_conversations_language(self, uow: UnitOfWork) -> None:
        _start(uow, "c1")
        assert settle(uow, "c1", "Ich brauche einen Hautarzt", under_way=False) == "de"
        assert settle(uow, "c1", "ok") == "de"
        assert settle(uow, "c1", "Anna Schmidt") == "de"
        assert conversation_language(uow=uow, conversation_id="c1") == "de"

    def test_a_request_switches_and_sticks(self, uow: UnitOfWork) -> None:
        _start(uow, "c1")
        assert settle(uow, "c1", "Ich brauche einen Hautarzt", under_way=False) == "de"
        assert settle(uow, "c1", "please answer in English") == "en"
        assert settle(uow, "c1", "ja") == "en"
        assert settle(uow, "c1", "по-русски, пожалуйста") == "ru"
        assert settle(uow, "c1", "2") == "ru"

    def test_the_client_keeps_the_language_for_the_next_conversation(self, uow: UnitOfWork) -> None:
        client_id = _client_id(uow)
        _start(uow, "first", client_id)
        settle(uow, "first", "Мне нужен терапевт завтра утром", under_way=False)
        assert _language_of_client(uow, client_id) == "ru"
        assert client_language(uow=uow, client_id=client_id) == "ru"
        _start(uow, "second", client_id)
        assert settle(uow, "second", "2", under_way=False) == "ru"

    def test_a_first_sentence_in_another_language_wins_over_the_clients(
        self, uow: UnitOfWork
    ) -> None:
        client_id = _client_id(uow)
        _start(uow, "first", client_id)
        settle(uow, "first", "Ich brauche einen Hautarzt", under_way=False)
        _start(uow, "second", client_id)
        assert settle(uow, "second", "I need a dermatologist tomorrow", under_way=False) == "en"

    def test_the_channels_hint_stands_until_the_client_writes_a_sentence(
        self, uow: UnitOfWork
    ) -> None:
        _start(uow, "tg")
        hint_language(uow=uow, conversation_id="tg", hints=["de"])
        assert settle(uow, "tg", "Hallo", under_way=False) == "de"
        _start(uow, "web")
        hint_language(uow=uow, conversation_id="web", hints=accepted_languages("ru-RU,ru;q=0.9"))
        assert settle(uow, "web", "I need a dermatologist tomorrow", under_way=False) == "en"

    def test_a_hint_does_not_override_what_the_client_is_known_to_speak(
        self, uow: UnitOfWork
    ) -> None:
        client_id = _client_id(uow)
        _start(uow, "first", client_id)
        settle(uow, "first", "Мне нужен терапевт", under_way=False)
        _start(uow, "second", client_id)
        hint_language(uow=uow, conversation_id="second", hints=["de"])
        assert conversation_language(uow=uow, conversation_id="second") == "ru"


class TestThePracticesLanguages:
    def test_a_language_the_practice_does_not_offer_is_never_chosen(
        self, uow: UnitOfWork, sample_world: WorldIn
    ) -> None:
        _offer(uow, ["en", "de"])
        _start(uow, "c1")
        hint_language(uow=uow, conversation_id="c1", hints=["ru"])
        assert settle(uow, "c1", "Мне нужен терапевт завтра утром", under_way=False) == "en"
        assert settle(uow, "c1", "по-русски, пожалуйста") == "en"
        assert settle(uow, "c1", "auf Deutsch bitte") == "de"

    def test_by_default_the_practice_speaks_english_only(
        self, uow: UnitOfWork, sample_world: WorldIn
    ) -> None:
        _start(uow, "c1")
        assert settle(uow, "c1", "Ich brauche einen Hautarzt", under_way=False) == "en"


def test_accept_language_is_read_in_order_of_quality() -> None:
    assert accepted_languages("fr;q=0.5, ru-RU, de;q=0.8, *;q=0.1") == ["ru-RU", "de", "fr"]
    assert accepted_languages(None) == []
