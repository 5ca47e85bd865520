"""The web chat in the browser's language (Chromium, against `frontdesk serve --demo`).

The browser's Accept-Language is the first hint: the page's own words and the agent's first
answer are in it; what the client writes then decides.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from agent.language.detection import written_in
from testkit.live import LiveServer, live_server
from tests.e2e.test_browser_chat import WAIT_MS, connection_status, say


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with live_server(tmp_path_factory.mktemp("browser-languages") / "data") as running:
        yield running


def open_chat(browser: Browser, server: LiveServer, locale: str) -> Page:
    expect.set_options(timeout=WAIT_MS)
    context = browser.new_context(base_url=server.base_url, locale=locale)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto("/")
    expect(connection_status(page)).to_have_attribute("data-state", "online")
    assert errors == []
    return page


def test_a_russian_browser_gets_the_chat_in_russian(browser: Browser, server: LiveServer) -> None:
    page = open_chat(browser, server, "ru-RU")
    expect(page.get_by_test_id("message-input")).to_have_attribute(
        "placeholder", "Введите сообщение…"
    )
    expect(page.get_by_test_id("send")).to_have_text("Отправить")
    expect(connection_status(page)).to_have_text("В сети")  # noqa: RUF001
    assert page.evaluate("document.documentElement.lang") == "ru"

    answer = say(page, "Привет")  # one word: the browser's language stands
    assert written_in(answer.inner_text()) == "ru"
    page.context.close()


def test_the_chat_follows_the_language_the_client_writes_in(
    browser: Browser, server: LiveServer
) -> None:
    page = open_chat(browser, server, "en-US")
    expect(page.get_by_test_id("send")).to_have_text("Send")
    answer = say(page, "Ich brauche einen Termin bei Dr. Lehmann")
    assert written_in(answer.inner_text()) == "de"
    expect(page.get_by_test_id("send")).to_have_text("Senden")
    expect(page.get_by_test_id("message-input")).to_have_attribute(
        "placeholder", "Nachricht schreiben…"
    )
    page.context.close()


def test_an_english_browser_keeps_the_english_chat(browser: Browser, server: LiveServer) -> None:
    page = open_chat(browser, server, "en-GB")
    expect(page.get_by_test_id("message-input")).to_have_attribute(
        "placeholder", "Type your message…"
    )
    expect(connection_status(page)).to_have_text("Online")
    answer = say(page, "I need a dermatologist tomorrow")
    assert written_in(answer.inner_text()) == "en"
    page.context.close()
