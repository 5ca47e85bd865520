"""The provider console in a real browser against `frontdesk serve --demo`.

A client, spoken for by a plain websocket on `/ws/chat`, asks for a person; providers sign in
to `/console`, see the waiting conversation with the agent's tool calls, take it over, answer,
hand it back, pass it on and close it, and are told when a colleague got there first.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any, Protocol

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Locator,
    Page,
    ViewportSize,
    expect,
    sync_playwright,
)
from websockets.sync.client import ClientConnection, connect

from testkit.live import DEMO_PASSWORD, LiveServer, live_server
from tests.conftest import ROOT

SCREENSHOTS = ROOT / "test-output" / "screenshots"
TIMEOUT_SECONDS = 30
HOFFMANN = "dr-hoffmann@demo.frontdesk"
YILMAZ = "dr-yilmaz@demo.frontdesk"
LAPTOP: ViewportSize = {"width": 1280, "height": 800}
TABLET: ViewportSize = {"width": 768, "height": 1024}

Frame = dict[str, Any]
Screenshot = Callable[[Page, str], None]


class OpenConsole(Protocol):
    def __call__(self, viewport: ViewportSize = LAPTOP) -> Page: ...


class ChatClient:
    """A web chat visitor driven through `/ws/chat`, remembering every frame it was sent."""

    def __init__(self, connection: ClientConnection) -> None:
        self.connection = connection
        self.frames: list[Frame] = []
        # Frames before this index answer earlier messages; waits look only after it.
        self.since = 0
        hello = self.wait_for(lambda frame: frame["type"] == "hello", "hello")
        self._conversation_id: str | None = hello["conversation_id"]

    @property
    def conversation_id(self) -> str:
        """The visitor's conversation: it starts with their first message, told by a status."""
        if self._conversation_id is None:
            self.since = 0
            started = self.wait_for(
                lambda frame: frame["type"] == "status" and bool(frame.get("conversation_id")),
                "the conversation's start",
            )
            self._conversation_id = str(started["conversation_id"])
        return self._conversation_id

    def say(self, text: str) -> None:
        self.since = len(self.frames)
        message = {"type": "message", "id": uuid.uuid4().hex, "text": text}
        self.connection.send(json.dumps(message))

    def wait_for(self, matches: Callable[[Frame], bool], what: str) -> Frame:
        """Return the first frame since the last message that matches, waiting for it if need be."""
        deadline = time.monotonic() + TIMEOUT_SECONDS
        checked = self.since
        while True:
            for frame in self.frames[checked:]:
                if matches(frame):
                    return frame
            checked = len(self.frames)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no {what} within {TIMEOUT_SECONDS} s: {self.frames}")
            try:
                self.frames.append(json.loads(self.connection.recv(timeout=remaining)))
            except TimeoutError:
                continue

    def wait_for_reply(self, author: str) -> Frame:
        return self.wait_for(
            lambda frame: frame["type"] == "reply" and frame["author"] == author,
            f"reply by the {author}",
        )

    def wait_for_status(self, status: str) -> Frame:
        return self.wait_for(
            lambda frame: frame["type"] == "status" and frame["status"] == status,
            f"status {status}",
        )


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with live_server(tmp_path_factory.mktemp("console") / "data") as running:
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    expect.set_options(timeout=TIMEOUT_SECONDS * 1000)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--no-sandbox"]
        )
        yield chromium
        chromium.close()


@pytest.fixture
def open_console(browser: Browser, server: LiveServer) -> Iterator[OpenConsole]:
    """Open `/console` in a fresh browser context (its own sessionStorage), laptop-sized."""
    contexts: list[BrowserContext] = []

    def open_page(viewport: ViewportSize = LAPTOP) -> Page:
        context = browser.new_context(base_url=server.base_url, viewport=viewport)
        context.set_default_timeout(TIMEOUT_SECONDS * 1000)
        contexts.append(context)
        page = context.new_page()
        page.goto("/console")
        return page

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def chat(server: LiveServer) -> Iterator[Callable[[], ChatClient]]:
    """Start new web chat visitors; their sockets close after the test."""
    with ExitStack() as sockets:

        def start() -> ChatClient:
            url = f"{server.ws_url}/ws/chat"
            return ChatClient(sockets.enter_context(connect(url, open_timeout=TIMEOUT_SECONDS)))

        yield start


@pytest.fixture
def screenshot(request: pytest.FixtureRequest) -> Screenshot:
    def save(page: Page, step: str) -> None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=SCREENSHOTS / f"{request.node.name}-{step}.png", full_page=True)

    return save


def sign_in(page: Page, username: str, password: str = DEMO_PASSWORD) -> None:
    page.get_by_test_id("username").fill(username)
    page.get_by_test_id("password").fill(password)
    page.get_by_test_id("sign-in").click()


def conversation_item(page: Page, conversation_id: str) -> Locator:
    return page.locator(
        f'[data-testid="conversation-item"][data-conversation-id="{conversation_id}"]'
    )


def client_waiting_for_a_person(start_chat: Callable[[], ChatClient]) -> ChatClient:
    """A visitor who looked at Dr. Hoffmann's free times, then asked for a person."""
    client = start_chat()
    client.say("Is Dr. Hoffmann free tomorrow morning?")
    client.wait_for_reply("agent")
    client.say("I'd like to talk to a person please")
    client.wait_for_status("waiting_for_human")
    return client


def take_over(page: Page, conversation_id: str) -> None:
    conversation_item(page, conversation_id).click()
    page.get_by_test_id("take-over").click()
    expect(page.get_by_test_id("reply-input")).to_be_enabled()


def test_a_provider_takes_over_a_waiting_client_answers_and_hands_back(
    open_console: OpenConsole,
    chat: Callable[[], ChatClient],
    screenshot: Screenshot,
) -> None:
    client = client_waiting_for_a_person(chat)
    page = open_console()
    sign_in(page, HOFFMANN)
    expect(page.get_by_test_id("me")).to_contain_text("Dr. Katrin Hoffmann")

    item = conversation_item(page, client.conversation_id)
    expect(item).to_have_attribute("data-status", "waiting_for_human")
    expect(item.get_by_test_id("status-badge")).to_have_text("Waiting for a person")
    expect(page.get_by_test_id("conversation-item").first).to_have_attribute(
        "data-status", "waiting_for_human"
    )
    screenshot(page, "waiting")

    item.click()
    transcript = page.get_by_test_id("transcript")
    expect(transcript).to_contain_text("I'd like to talk to a person please")
    slots_entry = transcript.locator('[data-author="tool"]').filter(has_text="check_slots(")
    slots_call = slots_entry.get_by_test_id("tool-call")
    expect(slots_call).to_have_text(
        re.compile(r"🔧 check_slots\(.*provider_id=dr-hoffmann.*\) → \d+ starts?")
    )
    expect(
        transcript.get_by_test_id("tool-call").filter(has_text="handoff_to_human")
    ).to_be_visible()
    expect(page.get_by_test_id("reply-input")).to_be_disabled()
    slots_call.click()
    expect(slots_entry.get_by_test_id("tool-details")).to_be_visible()
    expect(slots_entry.get_by_test_id("tool-details")).to_contain_text('"starts"')
    screenshot(page, "transcript")

    page.get_by_test_id("take-over").click()
    expect(item).to_have_attribute("data-status", "human")
    expect(page.get_by_test_id("conversation-holder")).to_contain_text("held by you")
    taken = client.wait_for_status("human")
    assert taken["staff"] == "Dr. Katrin Hoffmann"

    answer = "Hello, this is Dr. Hoffmann. How can I help you?"
    page.get_by_test_id("reply-input").fill(answer)
    page.get_by_test_id("reply-send").click()
    staff_reply = client.wait_for_reply("staff")
    assert staff_reply["text"] == answer
    assert staff_reply["name"] == "Dr. Katrin Hoffmann"
    expect(page.get_by_test_id("reply-input")).to_have_value("")
    expect(transcript.locator('[data-author="staff"]')).to_contain_text(answer)

    client.say("Thank you! Could you move me to Wednesday?")
    expect(transcript.locator('[data-author="client"]').last).to_contain_text("Wednesday")
    screenshot(page, "taken-over")

    page.get_by_test_id("hand-back").click()
    expect(item).to_have_attribute("data-status", "bot")
    expect(page.get_by_test_id("reply-input")).to_be_disabled()
    client.wait_for_status("bot")

    client.say("Is Dr. Hoffmann free on Thursday?")
    agent_reply = client.wait_for_reply("agent")
    first_line = agent_reply["text"].splitlines()[0]
    expect(transcript.locator('[data-author="agent"]').last).to_contain_text(first_line)
    screenshot(page, "handed-back")

    page.get_by_test_id("sign-out").click()
    expect(page.get_by_test_id("sign-in-form")).to_be_visible()
    assert page.evaluate("sessionStorage.length") == 0


def test_a_colleague_cannot_take_over_a_conversation_someone_holds(
    open_console: OpenConsole,
    chat: Callable[[], ChatClient],
    screenshot: Screenshot,
) -> None:
    client = client_waiting_for_a_person(chat)
    hoffmann = open_console()
    sign_in(hoffmann, HOFFMANN)
    # Both see it while it waits for a person; once taken it leaves the others' sight.
    yilmaz = open_console(TABLET)
    sign_in(yilmaz, YILMAZ)
    item = conversation_item(yilmaz, client.conversation_id)
    expect(item).to_have_attribute("data-status", "waiting_for_human")
    item.click()
    take_over(hoffmann, client.conversation_id)

    expect(yilmaz.get_by_test_id("reply-input")).to_be_disabled()
    yilmaz.get_by_test_id("take-over").click()

    error = yilmaz.get_by_test_id("error")
    expect(error).to_be_visible()
    expect(error).to_contain_text("Hoffmann")
    expect(yilmaz.get_by_test_id("reply-input")).to_be_disabled()
    expect(hoffmann.get_by_test_id("reply-input")).to_be_enabled()
    screenshot(yilmaz, "conflict")


def test_a_provider_transfers_a_conversation_to_a_colleague_who_closes_it(
    open_console: OpenConsole,
    chat: Callable[[], ChatClient],
    screenshot: Screenshot,
) -> None:
    client = client_waiting_for_a_person(chat)
    hoffmann = open_console()
    sign_in(hoffmann, HOFFMANN)
    yilmaz = open_console()
    sign_in(yilmaz, YILMAZ)
    take_over(hoffmann, client.conversation_id)

    hoffmann.get_by_test_id("transfer-select").select_option(label="Dr. Murat Yilmaz")
    hoffmann.get_by_test_id("transfer").click()
    expect(hoffmann.get_by_test_id("reply-input")).to_be_disabled()
    expect(conversation_item(hoffmann, client.conversation_id)).to_contain_text(
        "held by Dr. Murat Yilmaz"
    )

    conversation_item(yilmaz, client.conversation_id).click()
    expect(yilmaz.get_by_test_id("conversation-holder")).to_contain_text("held by you")
    expect(yilmaz.get_by_test_id("reply-input")).to_be_enabled()
    screenshot(yilmaz, "transferred")

    yilmaz.get_by_test_id("close").click()
    client.wait_for_status("closed")
    for page in (hoffmann, yilmaz):
        expect(conversation_item(page, client.conversation_id)).to_have_attribute(
            "data-status", "closed"
        )
    expect(yilmaz.get_by_test_id("take-over")).to_be_disabled()
    expect(yilmaz.get_by_test_id("reply-input")).to_be_disabled()
    screenshot(yilmaz, "closed")


def test_a_wrong_password_is_refused_with_a_clear_message(
    open_console: OpenConsole, screenshot: Screenshot
) -> None:
    page = open_console()
    sign_in(page, HOFFMANN, "not-the-password")
    expect(page.get_by_test_id("sign-in-error")).to_have_text("Wrong username or password.")
    expect(page.get_by_test_id("console")).to_be_hidden()
    assert page.evaluate("sessionStorage.length") == 0
    screenshot(page, "refused")
