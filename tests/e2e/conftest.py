"""Signed-in REST clients for the live server each e2e module starts as its `server` fixture,
and a headless Chromium (the system's, driven by Playwright) for the pages."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Browser, sync_playwright

from testkit.api_client import ADMIN, HOFFMANN, api_client
from testkit.live import LiveServer

CHROMIUM = "/usr/bin/chromium"  # never `playwright install`: the system's package


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def admin(server: LiveServer) -> Iterator[httpx.Client]:
    """/api/v1 as the demo admin."""
    with api_client(server, ADMIN) as client:
        yield client


@pytest.fixture(scope="module")
def provider(server: LiveServer) -> Iterator[httpx.Client]:
    """/api/v1 as Dr. Hoffmann, a demo provider."""
    with api_client(server, HOFFMANN) as client:
        yield client
