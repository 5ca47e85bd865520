"""A live `frontdesk serve --demo` talking to a fake Telegram Bot API, and chats posting to it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from testkit.fake_telegram import BotChat, FakeTelegram
from testkit.live import LiveServer, live_server

WEBHOOK_SECRET = "telegram-webhook-secret_for-tests"


def telegram_env(telegram: FakeTelegram) -> dict[str, str]:
    """The settings that switch the bot on against the fake Bot API."""
    return {
        "FRONTDESK_TELEGRAM_TOKEN": telegram.token,
        "FRONTDESK_TELEGRAM_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "FRONTDESK_TELEGRAM_API_URL": telegram.api_url,
    }


@contextmanager
def serving_telegram(data_dir: Path, telegram: FakeTelegram) -> Iterator[LiveServer]:
    with live_server(data_dir, env=telegram_env(telegram)) as running:
        yield running


def bot_chat(server: LiveServer, telegram: FakeTelegram, chat_id: int, name: str) -> BotChat:
    """A Telegram user writing to the bot: real Update JSON posted to the server's webhook."""
    return BotChat(telegram, f"{server.base_url}/telegram/webhook", WEBHOOK_SECRET, chat_id, name)
