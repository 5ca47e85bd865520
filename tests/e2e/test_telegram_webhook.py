"""Telegram's webhook over real HTTP: only Telegram (knowing the secret) is heard, each update
is taken once, and a failed update is left for Telegram to deliver again."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text

from testkit.fake_telegram import (
    SECRET_HEADER,
    BotChat,
    FakeTelegram,
    message_update,
    next_update_id,
)
from testkit.live import ROOT, LiveServer
from testkit.stored import entries_on, server_database
from testkit.telegram_server import WEBHOOK_SECRET, bot_chat, telegram_env
from tests.e2e.telegram_fixtures import server, telegram

TABLES = ("clients", "conversations", "conversation_entries", "inbound_receipts")


__all__ = ["server", "telegram"]  # the Telegram modules' fixtures


@pytest.fixture
def bot(server: LiveServer, telegram: FakeTelegram, request: pytest.FixtureRequest) -> BotChat:
    chat_id = 6_000_000 + abs(hash(request.node.name)) % 100_000
    return bot_chat(server, telegram, chat_id, "Greta")


def counts(server: LiveServer) -> dict[str, int]:
    engine = create_engine(f"sqlite:///{server.log_path.parent / 'frontdesk.db'}")
    with engine.connect() as db:
        found = {t: db.execute(text(f"SELECT count(*) FROM {t}")).scalar_one() for t in TABLES}
    engine.dispose()
    return found


def entries_of(server: LiveServer, chat_id: int) -> list[tuple[Any, ...]]:
    engine = server_database(server)
    rows: list[tuple[Any, ...]] = list(entries_on(engine, "telegram", str(chat_id)))
    engine.dispose()
    return rows


class TestOnlyTelegramIsHeard:
    @pytest.mark.parametrize(
        "headers",
        [{}, {SECRET_HEADER: "forged"}, {SECRET_HEADER: WEBHOOK_SECRET + "x"}, {SECRET_HEADER: ""}],
        ids=["missing", "forged", "longer", "empty"],
    )
    def test_a_wrong_or_missing_secret_is_refused_and_nothing_is_processed(
        self,
        server: LiveServer,
        telegram: FakeTelegram,
        bot: BotChat,
        headers: dict[str, str],
    ) -> None:
        before, since = counts(server), telegram.mark()
        update = message_update(next_update_id(), bot.chat_id, "I need a dermatologist")

        refused = httpx.post(bot.webhook_url, json=update, headers=headers)

        assert refused.status_code == 403
        assert refused.json()["code"] == "forbidden"
        assert counts(server) == before
        assert telegram.calls(since=since) == []

    def test_a_body_that_is_not_json_is_refused(self, bot: BotChat) -> None:
        refused = httpx.post(
            bot.webhook_url,
            content=b"update_id=1",
            headers={SECRET_HEADER: WEBHOOK_SECRET, "Content-Type": "application/json"},
        )

        assert refused.status_code == 400
        assert refused.json() == {"code": "bad_update", "detail": "The body is not JSON."}

    @pytest.mark.parametrize("body", [{}, [], {"update_id": "seven"}, {"message": {}}])
    def test_json_that_is_not_an_update_is_refused(
        self, server: LiveServer, bot: BotChat, body: Any
    ) -> None:
        before = counts(server)

        refused = bot.post(body)

        assert refused.status_code == 400
        assert refused.json()["code"] == "bad_update"
        assert counts(server) == before


class TestEachUpdateOnce:
    def test_an_update_delivered_twice_is_taken_and_answered_once(
        self, server: LiveServer, telegram: FakeTelegram, bot: BotChat
    ) -> None:
        bot.send("/start")
        update_id, since = next_update_id(), telegram.mark()

        first = bot.send("What are your opening hours?", update_id=update_id)
        bot.wait_reply(since)
        again = bot.send("What are your opening hours?", update_id=update_id)
        bot.say("Thank you")  # replies come in order: a reply to the copy would come before

        assert first.json() == {"ok": True, "duplicate": False}
        assert again.json() == {"ok": True, "duplicate": True}
        said = [t for author, t in entries_of(server, bot.chat_id) if author == "client"]
        assert said == ["What are your opening hours?", "Thank you"]
        assert len(bot.replies(since=since)) == 2

    def test_an_update_that_failed_is_processed_when_telegram_delivers_it_again(
        self, server: LiveServer, telegram: FakeTelegram, bot: BotChat
    ) -> None:
        update_id, since = next_update_id(), telegram.mark()
        telegram.fail_next("sendMessage", 500, "Internal Server Error")

        failed = bot.send("/start", update_id=update_id)
        retried = bot.send("/start", update_id=update_id)

        assert failed.status_code == 500
        assert failed.json() == {
            "code": "unavailable",
            "detail": "The update could not be processed.",
        }
        assert retried.status_code == 200
        assert retried.json()["duplicate"] is False
        assert "Greta" in bot.wait_reply(since + 1)["text"]


class TestCli:
    def test_set_webhook_registers_the_url_with_the_secret_and_the_update_kinds(
        self, telegram: FakeTelegram, tmp_path: Any
    ) -> None:
        since = telegram.mark()
        result = run_cli(telegram, "set-webhook", "https://frontdesk.example/telegram/webhook")

        assert result.returncode == 0, result.stderr
        [call] = telegram.calls("setWebhook", since=since)
        assert call["url"] == "https://frontdesk.example/telegram/webhook"
        assert call["secret_token"] == WEBHOOK_SECRET
        assert call["allowed_updates"] == ["message", "callback_query"]

    def test_set_webhook_refuses_plain_http_unless_told(self, telegram: FakeTelegram) -> None:
        since = telegram.mark()
        refused = run_cli(telegram, "set-webhook", "http://localhost:8000/telegram/webhook")
        allowed = run_cli(
            telegram, "set-webhook", "--insecure", "http://localhost:8000/telegram/webhook"
        )

        assert refused.returncode == 2
        assert "https" in refused.stderr
        assert allowed.returncode == 0, allowed.stderr
        assert len(telegram.calls("setWebhook", since=since)) == 1

    def test_delete_webhook(self, telegram: FakeTelegram) -> None:
        since = telegram.mark()
        result = run_cli(telegram, "delete-webhook")

        assert result.returncode == 0, result.stderr
        assert len(telegram.calls("deleteWebhook", since=since)) == 1


def run_cli(telegram: FakeTelegram, *args: str) -> Any:
    env = {**os.environ, **telegram_env(telegram)}
    return subprocess.run(
        [sys.executable, "-m", "api.cli", "telegram", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
