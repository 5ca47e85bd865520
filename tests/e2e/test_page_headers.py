"""What the browser is told about our pages and files: who may frame or script them, and what
it may keep. The chat and the console still work in Chromium under their policy."""

from __future__ import annotations

import random
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from testkit.api_client import HOFFMANN
from testkit.chat_client import ChatClient, book_something
from testkit.live import DEMO_PASSWORD, LiveServer, live_server

WAIT_MS = 30_000
# Every policy violation the page meets, however it is reported, kept where the test reads it.
RECORD_VIOLATIONS = """
window.violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.violations.push(`${event.violatedDirective} ${event.blockedURI}`);
});
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with live_server(tmp_path_factory.mktemp("headers") / "data") as running:
        yield running


def directives(policy: str) -> dict[str, str]:
    parts = (part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    return {part[0]: part[1] if len(part) > 1 else "" for part in parts}


class TestPages:
    @pytest.mark.parametrize("path", ["/", "/console"])
    def test_a_page_cannot_be_framed_sniffed_or_made_to_run_other_scripts(
        self, server: LiveServer, path: str
    ) -> None:
        page = httpx.get(server.base_url + path)

        assert page.status_code == 200
        policy = directives(page.headers["content-security-policy"])
        assert policy["frame-ancestors"] == "'none'"
        assert policy["script-src"] == "'self'"
        assert policy["object-src"] == "'none'"
        assert policy["base-uri"] == "'none'"
        assert "'unsafe-inline'" not in page.headers["content-security-policy"]
        assert page.headers["x-frame-options"] == "DENY"
        assert page.headers["x-content-type-options"] == "nosniff"
        assert page.headers["referrer-policy"] == "no-referrer"


class TestFormLinks:
    def test_a_form_is_never_cached_nor_sniffed(self, server: LiveServer) -> None:
        with ChatClient(server.ws_url) as chat:
            card = book_something(
                chat,
                request="I need a GP on Wednesday",
                name="Nora Nocache",
                phone="+49 170 5550177",
                rng=random.Random(2),
            )

        download = httpx.get(server.base_url + card["forms"][0]["url"])

        assert download.status_code == 200
        assert download.headers["cache-control"] == "no-store"
        assert download.headers["x-content-type-options"] == "nosniff"
        assert download.headers["content-disposition"].startswith("attachment;")


class TestUnderThePolicyInChromium:
    def open(self, browser: Browser, server: LiveServer, path: str) -> tuple[Page, list[str]]:
        context = browser.new_context(base_url=server.base_url)
        context.add_init_script(RECORD_VIOLATIONS)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on(
            "console",
            lambda message: errors.append(message.text) if _blocked(message.text) else None,
        )
        page.goto(path)
        return page, errors

    def test_the_chat_connects_and_answers_with_nothing_blocked(
        self, browser: Browser, server: LiveServer
    ) -> None:
        expect.set_options(timeout=WAIT_MS)
        page, errors = self.open(browser, server, "/")

        expect(page.get_by_test_id("connection-status")).to_have_attribute("data-state", "online")
        page.get_by_test_id("message-input").fill("What are your opening hours?")
        page.get_by_test_id("send").click()
        expect(page.locator('[data-testid="message"][data-author="agent"]').first).to_be_visible()

        assert page.evaluate("window.violations") == []
        assert errors == []
        page.context.close()

    def test_the_console_signs_in_with_nothing_blocked(
        self, browser: Browser, server: LiveServer
    ) -> None:
        expect.set_options(timeout=WAIT_MS)
        page, errors = self.open(browser, server, "/console")

        page.get_by_test_id("username").fill(HOFFMANN)
        page.get_by_test_id("password").fill(DEMO_PASSWORD)
        page.get_by_test_id("sign-in").click()
        expect(page.get_by_test_id("console")).to_be_visible()
        expect(page.get_by_test_id("connection-status")).to_have_attribute("data-state", "open")

        assert page.evaluate("window.violations") == []
        assert errors == []
        page.context.close()


def _blocked(text: str) -> bool:
    """A console message about something the policy kept from loading or running."""
    return "Content Security Policy" in text or text.startswith("Refused to")
