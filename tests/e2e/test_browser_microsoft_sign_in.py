"""Sign in with Microsoft from the console, in a real browser: the button appears because the
server offers it, the click goes through a local tenant's sign-in page and back, and the
console opens signed in — or says plainly why not, with nothing stored."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from testkit.entra import LocalTenant, LocalUser, local_tenant
from testkit.live import DEMO_PASSWORD, LiveServer, live_server
from tests.conftest import ROOT

SCREENSHOTS = ROOT / "test-output" / "screenshots"
TIMEOUT_SECONDS = 30
HOFFMANN = LocalUser(
    email="dr-hoffmann@demo.frontdesk", name="Katrin Hoffmann", roles=("Frontdesk.Provider",)
)


@pytest.fixture(scope="module")
def tenant() -> Iterator[LocalTenant]:
    with local_tenant(https=True) as running:
        yield running


@pytest.fixture(autouse=True)
def fresh_sign_in_page(tenant: LocalTenant) -> Iterator[None]:
    yield
    tenant.sign_in.reset()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, tenant: LocalTenant) -> Iterator[LiveServer]:
    data = tmp_path_factory.mktemp("browser-microsoft") / "data"
    with live_server(data, env=tenant.sign_in_env()) as running:
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
def page(browser: Browser, server: LiveServer) -> Iterator[Page]:
    """A fresh browser context; the local tenant's throwaway certificate is let through."""
    context = browser.new_context(base_url=server.base_url, ignore_https_errors=True)
    context.set_default_timeout(TIMEOUT_SECONDS * 1000)
    yield context.new_page()
    context.close()


def screenshot(page: Page, request: pytest.FixtureRequest, step: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{request.node.name}-{step}.png", full_page=True)


def test_a_provider_signs_in_with_microsoft_and_lands_on_the_console(
    page: Page, server: LiveServer, tenant: LocalTenant, request: pytest.FixtureRequest
) -> None:
    tenant.sign_in.user = HOFFMANN
    page.goto("/console")
    button = page.get_by_test_id("sign-in-microsoft")
    expect(button).to_be_visible()
    expect(button).to_have_text("Sign in with Microsoft")
    screenshot(page, request, "offered")

    button.click()
    # Her account is found by email: the name is the one Frontdesk knows.
    expect(page.get_by_test_id("me")).to_have_text("Dr. Katrin Hoffmann · provider")
    expect(page.get_by_test_id("connection-status")).to_have_text("Connected")
    expect(page).to_have_url(f"{server.base_url}/console")  # the tokens left the address bar
    assert page.evaluate("Object.keys(sessionStorage)") == ["frontdesk.console.token"]
    screenshot(page, request, "signed-in")

    page.get_by_test_id("sign-out").click()
    expect(page.get_by_test_id("sign-in-form")).to_be_visible()
    expect(button).to_be_visible()


def test_cancelling_at_microsoft_says_so_and_keeps_no_one_signed_in(
    page: Page, server: LiveServer, tenant: LocalTenant, request: pytest.FixtureRequest
) -> None:
    tenant.sign_in.user = None
    page.goto("/console")
    page.get_by_test_id("sign-in-microsoft").click()
    expect(page.get_by_test_id("sign-in-error")).to_have_text(
        "Signing in with Microsoft was cancelled."
    )
    expect(page.get_by_test_id("console")).to_be_hidden()
    expect(page).to_have_url(f"{server.base_url}/console")
    assert page.evaluate("sessionStorage.length") == 0
    screenshot(page, request, "cancelled")


def test_a_link_carrying_someone_elses_token_signs_no_one_in(
    page: Page, server: LiveServer
) -> None:
    signed_in = httpx.post(
        f"{server.base_url}/api/v1/auth/token",
        data={"username": "admin@demo.frontdesk", "password": DEMO_PASSWORD},
    )
    token = signed_in.json()["access_token"]
    page.goto(f"/console#access_token={token}&token_type=bearer&expires_in=1800&tab=guessed")
    expect(page.get_by_test_id("sign-in-error")).to_have_text(
        "Microsoft's answer was not for this sign-in. Please try again."
    )
    expect(page.get_by_test_id("console")).to_be_hidden()
    expect(page).to_have_url(f"{server.base_url}/console")
    assert page.evaluate("sessionStorage.length") == 0
