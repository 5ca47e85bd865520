"""The web chat in a real browser against `frontdesk serve --demo`: a new client books through
the page and comes back to the same conversation; a member of staff takes over and hands back;
a lost connection comes back; refused messages can be sent again; the page fits a phone."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect
from websockets.sync.client import ClientConnection, connect

from testkit.live import DEMO_PASSWORD, LiveServer, live_server
from tests.conftest import ROOT

SCREENSHOTS = ROOT / "test-output" / "screenshots"
# The offline agent answers in well under a second; the margin is for a loaded machine.
WAIT_MS = 30_000
HOFFMANN = "dr-hoffmann@demo.frontdesk"

OpenChat = Callable[..., Page]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with live_server(tmp_path_factory.mktemp("browser-chat") / "data") as running:
        yield running


@pytest.fixture
def open_chat(browser: Browser, server: LiveServer) -> Iterator[OpenChat]:
    """Open the chat in a fresh browser profile; the test fails on any script error."""
    expect.set_options(timeout=WAIT_MS)
    script_errors: list[str] = []
    contexts: list[BrowserContext] = []

    def open_page(**context_options: Any) -> Page:
        context = browser.new_context(base_url=server.base_url, **context_options)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: script_errors.append(str(error)))
        page.goto("/")
        expect(connection_status(page)).to_have_attribute("data-state", "online")
        return page

    yield open_page
    for context in contexts:
        context.close()
    assert script_errors == []


def screenshot(page: Page, request: pytest.FixtureRequest, step: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{request.node.name}-{step}.png", full_page=True)


def connection_status(page: Page) -> Locator:
    return page.get_by_test_id("connection-status")


def agent_replies(page: Page) -> Locator:
    """Finished agent messages (a reply still streaming is not one yet)."""
    return page.locator('[data-testid="message"][data-author="agent"]:not([data-streaming])')


def wait_for_answer(page: Page, act: Callable[[], None]) -> Locator:
    """Do what makes the agent answer and return its (first) new reply."""
    replies_before = agent_replies(page).count()
    act()
    answer = agent_replies(page).nth(replies_before)
    expect(answer).to_be_visible()
    return answer


def say(page: Page, text: str) -> Locator:
    def type_and_send() -> None:
        page.get_by_test_id("message-input").fill(text)
        page.get_by_test_id("send").click()

    return wait_for_answer(page, type_and_send)


def live_quick_replies(page: Page) -> Locator:
    return page.locator('[data-testid="quick-reply"]:enabled')


@contextmanager
def console_of(server: LiveServer, username: str) -> Iterator[ClientConnection]:
    """A provider's console socket, signed in with the demo password."""
    signed_in = httpx.post(
        f"{server.base_url}/api/v1/auth/token",
        data={"username": username, "password": DEMO_PASSWORD},
    )
    signed_in.raise_for_status()
    token = signed_in.json()["access_token"]
    with connect(f"{server.ws_url}/ws/console?token={token}") as console:
        yield console


def command(console: ClientConnection, **frame: str) -> None:
    """Send a console command and wait until the server says it is done."""
    frame["id"] = f"{frame['type']}-{frame['conversation_id']}"
    console.send(json.dumps(frame))
    while True:
        answer = json.loads(console.recv(timeout=WAIT_MS / 1000))
        assert answer["type"] != "error", answer
        if answer["type"] == "done" and answer["id"] == frame["id"]:
            return


def test_a_new_client_books_through_the_page_and_finds_it_again_after_a_reload(
    open_chat: OpenChat, request: pytest.FixtureRequest
) -> None:
    page = open_chat()

    offer = say(page, "I need a dermatologist tomorrow morning")
    slot = offer.get_by_test_id("quick-reply").first
    expect(slot).to_be_enabled()
    chosen_slot = slot.get_attribute("data-value") or ""
    screenshot(page, request, "slots")

    wait_for_answer(page, slot.click)
    # The answered suggestions stay on screen but can no longer be pressed.
    expect(slot).to_be_disabled()
    expect(slot).to_have_attribute("aria-pressed", "true")

    say(page, "I'm Lisa Browser, +49 170 5550199")
    say(page, "My date of birth is 12 April 1990 and my insurance number is A987654321")
    confirm = live_quick_replies(page).filter(has_text="Confirm")
    expect(confirm).to_have_count(1)
    screenshot(page, request, "summary")

    wait_for_answer(page, confirm.click)
    card = page.get_by_test_id("booking-card")
    expect(card).to_be_visible()
    expect(card).to_have_attribute("data-status", "confirmed")
    booked_with = card.get_by_test_id("booking-provider").inner_text()
    assert booked_with
    assert booked_with in chosen_slot
    form = card.get_by_test_id("form-link").first
    expect(form).to_have_text(re.compile(r"\.docx$"))
    downloaded = page.request.get(form.get_attribute("href") or "")
    assert downloaded.ok
    assert downloaded.body().startswith(b"PK")  # a .docx is a zip archive
    screenshot(page, request, "booked")

    said_before = page.get_by_test_id("message-text").all_inner_texts()
    page.reload()
    expect(connection_status(page)).to_have_attribute("data-state", "online")
    expect(page.get_by_test_id("message-text")).to_have_count(len(said_before))
    assert page.get_by_test_id("message-text").all_inner_texts() == said_before
    expect(page.get_by_test_id("booking-card")).to_have_attribute("data-status", "confirmed")
    # Suggestions already answered in the history cannot be pressed again.
    expect(live_quick_replies(page)).to_have_count(0)
    screenshot(page, request, "reloaded")


def test_a_member_of_staff_who_takes_over_is_shown_by_name_until_handing_back(
    open_chat: OpenChat, server: LiveServer, request: pytest.FixtureRequest
) -> None:
    page = open_chat()
    say(page, "I'd like to talk to a person please")
    conversation_id = page.get_by_test_id("message-list").get_attribute("data-conversation-id")
    assert conversation_id
    notices = page.get_by_test_id("notice")
    with console_of(server, HOFFMANN) as console:
        command(console, type="take_over", conversation_id=conversation_id)
        expect(notices.filter(has_text="Dr. Katrin Hoffmann")).to_be_visible()
        command(console, type="reply", conversation_id=conversation_id, text="How can I help?")
        staff_message = page.locator('[data-testid="message"][data-author="staff"]')
        expect(staff_message.get_by_test_id("staff-name")).to_have_text("Dr. Katrin Hoffmann")
        expect(staff_message.get_by_test_id("message-text")).to_contain_text("How can I help?")
        screenshot(page, request, "taken-over")

        notices_while_held = notices.count()
        command(console, type="hand_back", conversation_id=conversation_id)
        expect(notices).to_have_count(notices_while_held + 1)
    say(page, "I need a dermatologist tomorrow morning")
    screenshot(page, request, "handed-back")


def test_messages_refused_for_coming_too_fast_are_shown_and_can_be_sent_again(
    open_chat: OpenChat, request: pytest.FixtureRequest
) -> None:
    page = open_chat()
    # Twice the server's burst allowance at once, as a stuck key would send. How many get in
    # depends on how fast the server reads them (the allowance refills), so the test counts.
    burst = 20
    page.evaluate(
        """burst => {
            const input = document.querySelector('[data-testid="message-input"]');
            const composer = document.querySelector('[data-testid="composer"]');
            for (let n = 1; n <= burst; n++) {
                input.value = `Hello ${n}`;
                composer.requestSubmit();
            }
        }""",
        burst,
    )
    expect(page.get_by_test_id("error")).to_be_visible()
    sent = page.locator('[data-testid="message"][data-delivery="sent"]')
    refused = page.locator('[data-testid="message"][data-delivery="failed"]')
    expect(page.locator('[data-testid="message"][data-delivery="sending"]')).to_have_count(0)
    taken = sent.count()
    assert 0 < taken < burst
    expect(refused).to_have_count(burst - taken)
    screenshot(page, request, "refused")

    page.get_by_test_id("error-dismiss").click()
    expect(page.get_by_test_id("error")).to_be_hidden()
    page.wait_for_timeout(1_000)  # the allowance refills at two frames a second
    refused.first.get_by_test_id("retry").click()
    expect(sent).to_have_count(taken + 1)


def test_the_page_fits_a_phone_screen(open_chat: OpenChat, request: pytest.FixtureRequest) -> None:
    page = open_chat(viewport={"width": 375, "height": 667}, is_mobile=True, has_touch=True)
    # An unbroken string as long as a pasted link must wrap instead of widening the list.
    say(page, "Where are you? https://example.org/" + "a" * 120)

    expect(page.get_by_test_id("message-input")).to_be_in_viewport()
    expect(page.get_by_test_id("send")).to_be_in_viewport()
    widths = page.get_by_test_id("message-list").evaluate(
        "list => ({list: list.scrollWidth, visible: list.clientWidth,"
        " page: document.documentElement.scrollWidth})"
    )
    assert widths["list"] <= widths["visible"]
    assert widths["page"] <= 375
    screenshot(page, request, "phone")


def test_a_lost_connection_is_shown_and_what_was_written_meanwhile_is_sent_after_it(
    open_chat: OpenChat, request: pytest.FixtureRequest
) -> None:
    page = open_chat()
    page.context.set_offline(True)
    expect(connection_status(page)).to_have_attribute("data-state", "offline")
    expect(page.get_by_test_id("offline-banner")).to_be_visible()

    page.get_by_test_id("message-input").fill("I need a dermatologist tomorrow morning")
    page.get_by_test_id("send").click()
    written_offline = page.locator('[data-testid="message"][data-author="client"]').last
    expect(written_offline).to_have_attribute("data-delivery", "sending")
    screenshot(page, request, "offline")

    answer = wait_for_answer(page, lambda: page.context.set_offline(False))
    expect(connection_status(page)).to_have_attribute("data-state", "online")
    expect(page.get_by_test_id("offline-banner")).to_be_hidden()
    expect(written_offline).to_have_attribute("data-delivery", "sent")
    expect(answer.get_by_test_id("quick-reply").first).to_be_enabled()
    screenshot(page, request, "back-online")
