"""Telegram in the client's language: real Update JSON carrying the user's language_code, the
real python-telegram-bot client answering through a local Bot API."""

from __future__ import annotations

from agent.language.detection import written_in
from testkit.fake_telegram import (
    FakeTelegram,
    Params,
    message_update,
    next_update_id,
)
from testkit.live import LiveServer
from testkit.telegram_server import bot_chat
from tests.e2e.telegram_fixtures import server, telegram

__all__ = ["server", "telegram"]  # the Telegram modules' fixtures


def say_as(
    server: LiveServer, telegram: FakeTelegram, chat_id: int, text: str, code: str
) -> Params:
    """Send a message from a Telegram user whose app is set to `code`; return the answer."""
    bot = bot_chat(server, telegram, chat_id, "Jonas")
    update = message_update(next_update_id(), chat_id, text, name="Jonas")
    update["message"]["from"]["language_code"] = code
    since = telegram.mark()
    assert bot.post(update).status_code == 200
    return bot.wait_reply(since)


def test_a_user_whose_telegram_is_german_is_answered_in_german(
    server: LiveServer, telegram: FakeTelegram
) -> None:
    answer = say_as(server, telegram, 820001, "Hallo", "de")
    assert written_in(answer["text"]) == "de"


def test_what_the_user_writes_wins_over_the_apps_language(
    server: LiveServer, telegram: FakeTelegram
) -> None:
    answer = say_as(server, telegram, 820002, "Мне нужен терапевт завтра утром", "de")
    assert written_in(answer["text"]) == "ru"


def test_an_english_telegram_stays_english(server: LiveServer, telegram: FakeTelegram) -> None:
    answer = say_as(server, telegram, 820003, "Hello", "en")
    assert written_in(answer["text"]) == "en"
