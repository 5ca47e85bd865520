"""Sending requested documents from the web chat page in a real browser: the booking asks for
them, a file is picked and sent, the request shows as received (after a reload too), refusals
say why; staff download exactly what was sent."""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterator

import httpx
import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from testkit.api_client import ADMIN, api_client
from testkit.chat_client import INTAKE, ChatClient, book_something
from testkit.live import LiveServer, live_server
from tests.conftest import ROOT
from tests.support.sample_files import PLAIN_TEXT, one_page_pdf

SCREENSHOTS = ROOT / "test-output" / "screenshots"
WAIT_MS = 30_000
SESSION_KEY = "frontdesk.chat.session"
PDF = "application/pdf"

OpenChat = Callable[[str | None], Page]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    data = tmp_path_factory.mktemp("browser-upload") / "data"
    with live_server(data, env={"FRONTDESK_MAX_UPLOAD_MB": "1"}) as running:
        yield running


@pytest.fixture
def open_chat(browser: Browser, server: LiveServer) -> Iterator[OpenChat]:
    """Open the chat in a fresh profile, as a new visitor or as a returning session's owner."""
    expect.set_options(timeout=WAIT_MS)
    script_errors: list[str] = []
    context = browser.new_context(base_url=server.base_url)

    def open_page(session: str | None = None) -> Page:
        if session is not None:
            context.add_init_script(
                f"localStorage.setItem({json.dumps(SESSION_KEY)}, {json.dumps(session)})"
            )
        page = context.new_page()
        page.on("pageerror", lambda error: script_errors.append(str(error)))
        page.goto("/")
        expect(page.get_by_test_id("connection-status")).to_have_attribute("data-state", "online")
        return page

    yield open_page
    context.close()
    assert script_errors == []


def screenshot(page: Page, request: pytest.FixtureRequest, step: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{request.node.name}-{step}.png", full_page=True)


def answered(page: Page, act: Callable[[], None]) -> None:
    """Do what makes the agent answer, and wait for its answer."""
    replies = page.locator('[data-testid="message"][data-author="agent"]:not([data-streaming])')
    before = replies.count()
    act()
    expect(replies.nth(before)).to_be_visible()


def say(page: Page, text: str) -> None:
    def type_and_send() -> None:
        page.get_by_test_id("message-input").fill(text)
        page.get_by_test_id("send").click()

    answered(page, type_and_send)


def pick(row: Locator, name: str, content: bytes, mime_type: str = PDF) -> None:
    row.get_by_test_id("document-file").set_input_files(
        {"name": name, "mimeType": mime_type, "buffer": content}
    )


def downloaded(server: LiveServer, request_id: str) -> list[bytes]:
    with api_client(server, ADMIN) as admin:
        listed = admin.get("/documents", params={"request": request_id}).json()["items"]
        return [admin.get(f"/documents/{d['id']}/content").content for d in listed]


def test_a_client_sends_the_document_their_booking_asks_for_from_the_page(
    open_chat: OpenChat, server: LiveServer, request: pytest.FixtureRequest
) -> None:
    page = open_chat(None)
    say(page, "I need a dermatologist tomorrow morning")
    live_buttons = page.locator('[data-testid="quick-reply"]:enabled')
    answered(page, live_buttons.first.click)
    say(page, "I'm Nora Paperwork, +49 170 5550311")
    say(page, INTAKE)
    answered(page, live_buttons.filter(has_text="Confirm").click)

    row = page.get_by_test_id("document-request")
    expect(row).to_have_count(1)
    expect(row).to_have_attribute("data-status", "requested")
    expect(row.get_by_test_id("document-status")).to_have_text("Not sent yet")
    screenshot(page, request, "asked")

    card = one_page_pdf("Nora Paperwork insurance card")
    pick(row, "my card.pdf", card)

    expect(row).to_have_attribute("data-status", "received")
    expect(row.get_by_test_id("document-status")).to_have_text("Received: my card.pdf")
    expect(row.get_by_test_id("document-error")).to_be_hidden()
    sent_note = page.locator('[data-testid="message"][data-author="client"][data-upload]')
    expect(sent_note.get_by_test_id("message-text")).to_contain_text("my card.pdf")
    screenshot(page, request, "received")
    request_id = row.get_attribute("data-request-id") or ""
    assert downloaded(server, request_id) == [card]

    page.reload()
    expect(page.get_by_test_id("connection-status")).to_have_attribute("data-state", "online")
    expect(page.get_by_test_id("document-request")).to_have_attribute("data-status", "received")
    expect(sent_note).to_have_count(1)


@pytest.fixture
def booked_session(server: LiveServer) -> str:
    with ChatClient(server.ws_url) as chat:
        book_something(
            chat,
            request="I need a GP on Wednesday",
            name="Otto Refused",
            phone="+49 170 5550312",
            rng=random.Random(7),
        )
    return chat.session


def test_a_refused_file_says_why_and_another_can_be_sent_instead(
    open_chat: OpenChat,
    server: LiveServer,
    booked_session: str,
    request: pytest.FixtureRequest,
) -> None:
    page = open_chat(booked_session)
    row = page.get_by_test_id("document-request").first
    expect(row).to_have_attribute("data-status", "requested")
    error = row.get_by_test_id("document-error")

    pick(row, "card.pdf", PLAIN_TEXT)  # a text file whose name says PDF
    expect(error).to_be_visible()
    expect(error).to_contain_text("not accepted")
    expect(row).to_have_attribute("data-status", "requested")
    screenshot(page, request, "wrong-type")

    pick(row, "huge.pdf", one_page_pdf("huge") + b"%" + b"x" * (2 * 1024 * 1024))
    expect(error).to_contain_text("too large")
    expect(error).to_contain_text("1 MB")

    card = one_page_pdf("Otto Refused insurance card")
    pick(row, "card.pdf", card)
    expect(row).to_have_attribute("data-status", "received")
    expect(error).to_be_hidden()
    assert downloaded(server, row.get_attribute("data-request-id") or "") == [card]
    with httpx.Client(base_url=server.base_url) as anonymous:
        assert anonymous.get("/chat/uploads/rules").json()["max_bytes"] == 1024 * 1024
