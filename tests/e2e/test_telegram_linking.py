"""A client known from the web chat continues in Telegram: by a one-time link from the web
chat, or by sharing their own phone contact; someone else's contact card links nothing."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import create_engine, text

from testkit.chat_client import ChatClient
from testkit.fake_telegram import (
    BOT_USERNAME,
    FakeTelegram,
    contact_update,
    next_update_id,
)
from testkit.live import LiveServer
from testkit.stored import index_of
from testkit.telegram_server import bot_chat
from tests.e2e.telegram_fixtures import server, telegram

__all__ = ["server", "telegram"]  # the Telegram modules' fixtures


def web_client(server: LiveServer, name: str, phone: str) -> tuple[str, str]:
    """A client who said who they are in the web chat: their session and client id."""
    with ChatClient(server.ws_url) as web:
        web.say(f"I'm {name}, {phone}")
        session = web.session
    [(client_id,)] = rows(server, "SELECT id FROM clients WHERE name = :name", name=name)
    return session, str(client_id)


def rows(server: LiveServer, query: str, **params: Any) -> list[tuple[Any, ...]]:
    engine = create_engine(f"sqlite:///{server.log_path.parent / 'frontdesk.db'}")
    with engine.connect() as db:
        found = [tuple(row) for row in db.execute(text(query), params)]
    engine.dispose()
    return found


def owner_of(server: LiveServer, chat_id: int) -> str | None:
    found = rows(
        server,
        "SELECT client_id FROM channel_identities"
        " WHERE channel = 'telegram' AND address_index = :a",
        a=index_of(str(chat_id)),
    )
    return str(found[0][0]) if found else None


class TestContinuingFromTheWebChat:
    def test_an_identified_web_chat_gets_a_link_that_links_the_telegram_chat_once(
        self, server: LiveServer, telegram: FakeTelegram
    ) -> None:
        session, client_id = web_client(server, "Ines Weblink", "+49 170 5550501")
        url = f"{server.base_url}/chat/telegram-link"

        available = httpx.post(f"{url}/available", json={"session": session})
        made = httpx.post(url, json={"session": session})

        assert available.json() == {"available": True}
        assert made.status_code == 201, made.text
        link = made.json()["url"]
        assert link.startswith(f"https://t.me/{BOT_USERNAME}?start=")
        code = link.split("start=")[1]
        bot = bot_chat(server, telegram, 7100001, "Ines")
        since = telegram.mark()

        bot.send(f"/start {code}")

        assert "now linked" in bot.wait_reply(since)["text"]
        assert owner_of(server, 7100001) == client_id
        other = bot_chat(server, telegram, 7100002, "Mallory")
        since = telegram.mark()
        other.send(f"/start {code}")
        assert "used already" in other.wait_reply(since)["text"]
        assert owner_of(server, 7100002) != client_id

    def test_an_anonymous_web_chat_is_offered_no_link(self, server: LiveServer) -> None:
        with ChatClient(server.ws_url) as web:
            session = web.session
        url = f"{server.base_url}/chat/telegram-link"

        available = httpx.post(f"{url}/available", json={"session": session})
        refused = httpx.post(url, json={"session": session})
        malformed = httpx.post(url, json={"session": "not a session"})

        assert available.json() == {"available": False}
        assert refused.status_code == 409
        assert refused.json()["code"] == "not_identified"
        assert malformed.status_code == 422

    def test_a_made_up_code_links_nothing(self, server: LiveServer, telegram: FakeTelegram) -> None:
        bot = bot_chat(server, telegram, 7100003, "Nora")
        since = telegram.mark()

        bot.send("/start made-up-code")

        assert "not valid" in bot.wait_reply(since)["text"]
        [(name,)] = rows(
            server,
            "SELECT c.name FROM clients c JOIN channel_identities i ON i.client_id = c.id"
            " WHERE i.channel = 'telegram' AND i.address_index = :a",
            a=index_of("7100003"),
        )
        assert name == "Nora"  # a client of its own, as any new chat


class TestSharingAPhoneContact:
    def test_the_clients_own_contact_matching_a_proven_phone_links_the_chat(
        self, server: LiveServer, telegram: FakeTelegram
    ) -> None:
        # Markus's phone comes from the practice's records (the demo world): it is proven.
        bot = bot_chat(server, telegram, 7200001, "Markus")
        bot.send("/start")
        assert owner_of(server, 7200001) != "markus-wolf"
        since = telegram.mark()

        shared = contact_update(next_update_id(), 7200001, "4917034419208", contact_user_id=7200001)
        bot.post(shared)

        assert "now linked" in bot.wait_reply(since)["text"]
        assert owner_of(server, 7200001) == "markus-wolf"

    def test_a_phone_only_typed_into_the_web_chat_does_not_take_the_chat(
        self, server: LiveServer, telegram: FakeTelegram
    ) -> None:
        # Anyone can type a number into the web chat: it links nothing until proven.
        _, client_id = web_client(server, "Hanna Contact", "+49 170 5550401")
        bot = bot_chat(server, telegram, 7200003, "Hanna")
        bot.send("/start")
        placeholder = owner_of(server, 7200003)
        since = telegram.mark()

        bot.post(contact_update(next_update_id(), 7200003, "491705550401", contact_user_id=7200003))

        assert "noted your phone number" in bot.wait_reply(since)["text"]
        assert owner_of(server, 7200003) == placeholder != client_id

    def test_someone_elses_contact_card_links_nothing(
        self, server: LiveServer, telegram: FakeTelegram
    ) -> None:
        _, client_id = web_client(server, "Otto Victim", "+49 170 5550402")
        bot = bot_chat(server, telegram, 7200002, "Mallory")
        bot.send("/start")
        placeholder = owner_of(server, 7200002)
        since = telegram.mark()

        for contact_user_id in (9999999, None):
            bot.post(
                contact_update(
                    next_update_id(), 7200002, "+49 170 5550402", contact_user_id=contact_user_id
                )
            )

        replies = bot.replies(since=since)  # answered before each webhook call returned
        assert len(replies) == 2
        assert all("only link your own" in r["text"] for r in replies)
        assert owner_of(server, 7200002) == placeholder != client_id

    def test_the_owners_own_contact_cuts_off_the_web_chat_that_typed_the_number_first(
        self, server: LiveServer, telegram: FakeTelegram
    ) -> None:
        # Issue 16: Mallory typed Petra's number in the web chat; Petra proves it in Telegram.
        with ChatClient(server.ws_url) as mallory:
            mallory.say("I'm Petra Victim, +49 170 5550403")
            bot = bot_chat(server, telegram, 7200004, "Petra")
            bot.send("/start")
            since = telegram.mark()
            bot.post(
                contact_update(next_update_id(), 7200004, "491705550403", contact_user_id=7200004)
            )
            bot.wait_reply(since)

            asked = mallory.say("What appointments do I have?")

        assert "full name" in asked.text  # a stranger again, holding nothing of Petra's
        [(proven_for,)] = rows(
            server,
            "SELECT client_id FROM channel_identities WHERE channel = 'sms' AND address_index = :a",
            a=index_of("+491705550403"),
        )
        assert proven_for == owner_of(server, 7200004)
