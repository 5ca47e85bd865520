"""Attacks on who a client is, against `frontdesk serve --demo` in a browser and over sockets.

Issue 16: a visitor who typed someone else's number first must never see what its owner does
after proving it; a provider must not read the transcripts of clients they may not see.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from testkit.api_client import ADMIN, HOFFMANN, api_client
from testkit.chat_client import ChatClient, Exchange
from testkit.console_client import ConsoleClient
from testkit.live import LiveServer, live_server
from tests.e2e.test_browser_chat import (
    OpenChat,
    live_quick_replies,
    open_chat,
    say,
    screenshot,
    wait_for_answer,
)

__all__ = ["open_chat"]  # the browser fixture shared with test_browser_chat
VICTOR = "+49 170 5550400"
VICTOR_E164 = "+491705550400"
BIRTHDAY, INSURANCE = "12 April 1990", "A987654321"
LEHMANN = "dr-lehmann@demo.frontdesk"  # the dermatologist


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with live_server(tmp_path_factory.mktemp("identity-attacks") / "data") as running:
        yield running


def codes_in_log(server: LiveServer, phone: str) -> list[str]:
    """The one-time codes the embedded default wrote to the server log for this phone."""
    pattern = rf"one-time code for client \S+ by sms to {re.escape(phone)}: (\d{{6}})"
    return re.findall(pattern, server.log())


def next_code(server: LiveServer, phone: str, *, after: int) -> str:
    """Wait for the code sent to the phone after the first `after` ones."""
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        found = codes_in_log(server, phone)
        if len(found) > after:
            return found[after]
        time.sleep(0.1)
    raise AssertionError(f"no new code for {phone} in the server log")


def codes_once_sent(server: LiveServer, phone: str, *, wait: float = 3) -> int:
    """How many codes the phone has had, once one sent just now is in the log (if any is)."""
    deadline = time.monotonic() + wait
    while not codes_in_log(server, phone) and time.monotonic() < deadline:
        time.sleep(0.1)
    return len(codes_in_log(server, phone))


def book_a_dermatologist(chat: ChatClient) -> Exchange:
    """Book the first dermatology time offered, giving a date of birth and insurance number."""
    offered = chat.say("I need a dermatologist tomorrow morning")
    chat.press(offered, offered.buttons[0]["label"])
    summary = chat.say(f"My date of birth is {BIRTHDAY} and my insurance number is {INSURANCE}")
    return chat.press(summary, "Confirm")


def test_a_visitor_who_typed_a_number_first_never_sees_its_owners_bookings(
    open_chat: OpenChat, server: LiveServer, request: pytest.FixtureRequest
) -> None:
    mallory = open_chat()
    say(mallory, f"I'm Victor Victim, {VICTOR}")
    # A code goes to Victor's phone for Mallory's claim too (she never gets it); wait for it,
    # so Victor's own is the next one.
    codes_before = codes_once_sent(server, VICTOR_E164)

    victor = open_chat()
    say(victor, f"I'm Victor Victim, {VICTOR}")
    code = next_code(server, VICTOR_E164, after=codes_before)
    signed_in = say(victor, code)
    expect(signed_in).to_contain_text("Victor Victim")
    offer = say(victor, "I need a dermatologist tomorrow morning")
    wait_for_answer(victor, offer.get_by_test_id("quick-reply").first.click)
    say(victor, f"My date of birth is {BIRTHDAY} and my insurance number is {INSURANCE}")
    confirm = live_quick_replies(victor).filter(has_text="Confirm")
    expect(confirm).to_have_count(1)
    wait_for_answer(victor, confirm.click)
    expect(victor.get_by_test_id("booking-card")).to_have_attribute("data-status", "confirmed")

    # Mallory's browser was cut off when Victor proved the number: she is a stranger again.
    asked = say(mallory, "Show my bookings")
    expect(asked).to_contain_text("full name")
    mallory.reload()
    screenshot(mallory, request, "mallory-after")
    page_text = mallory.locator("body").inner_text()
    assert "Lehmann" not in page_text
    assert INSURANCE not in page_text


class TestProvidersSeeOnlyTheirClientsConversations:
    @pytest.fixture(scope="class")
    def booked(self, server: LiveServer) -> tuple[str, str]:
        """A client who booked the dermatologist in the web chat: conversation and client ids."""
        with ChatClient(server.ws_url) as chat:
            chat.say("I'm Dora Derm, +49 170 5550410")
            booked = book_a_dermatologist(chat)
            assert booked.of_type("reply")
        with api_client(server, ADMIN) as admin:
            (dora,) = admin.get("/clients", params={"q": "Dora Derm"}).json()["items"]
            (conversation,) = admin.get("/conversations", params={"client_id": dora["id"]}).json()[
                "items"
            ]
            entries = admin.get(f"/conversations/{conversation['id']}/entries").json()
        assert INSURANCE in str(entries)  # the transcript holds what the record does
        return str(conversation["id"]), str(dora["id"])

    def test_a_provider_who_never_saw_the_client_can_neither_list_nor_read_it(
        self, server: LiveServer, booked: tuple[str, str]
    ) -> None:
        conversation_id, client_id = booked
        with api_client(server, HOFFMANN) as hoffmann:
            assert hoffmann.get(f"/clients/{client_id}").status_code == 404
            listed = hoffmann.get("/conversations", params={"limit": 200}).json()
            by_client = hoffmann.get("/conversations", params={"client_id": client_id}).json()
            read = hoffmann.get(f"/conversations/{conversation_id}")
            entries = hoffmann.get(f"/conversations/{conversation_id}/entries")
            taken = hoffmann.post(f"/conversations/{conversation_id}/take-over")
        assert conversation_id not in [c["id"] for c in listed["items"]]
        assert by_client["total"] == 0
        assert (read.status_code, entries.status_code, taken.status_code) == (404, 404, 404)
        assert INSURANCE not in entries.text

    def test_nor_in_the_console(self, server: LiveServer, booked: tuple[str, str]) -> None:
        conversation_id, _ = booked
        with ConsoleClient(server, HOFFMANN) as hoffmann:
            listed = [c["id"] for c in hoffmann.hello["conversations"]]
            opened = hoffmann.act("open", conversation_id=conversation_id)
        assert conversation_id not in listed
        assert (opened["type"], opened["code"]) == ("error", "not_found")

    def test_the_clients_own_provider_reads_it_and_each_console_read_is_audited(
        self, server: LiveServer, booked: tuple[str, str]
    ) -> None:
        conversation_id, _ = booked
        with ConsoleClient(server, LEHMANN) as lehmann:
            assert conversation_id in [c["id"] for c in lehmann.hello["conversations"]]
            opened = lehmann.act("open", conversation_id=conversation_id)
        assert opened["type"] == "transcript"
        with api_client(server, ADMIN) as admin:
            reads = admin.get(
                "/audit-events",
                params={"action": "conversation.transcript_read", "subject_id": conversation_id},
            ).json()["items"]
        assert "console" in {event["channel"] for event in reads}
