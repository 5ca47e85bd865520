"""Providers' calendars over REST against a real Radicale and a local ICS feed: connecting
(tested on save), syncing, the slots that follow, who may do it, and what is never returned."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from testkit.calendar_servers import IcsFeed, Radicale, running_radicale, serving_ics_feed
from testkit.live import LiveServer, live_server
from tests.e2e.test_admin_schedules import free_starts, open_mornings
from tests.support.calendar_world import event

# The demo clock stands on Monday 9 March 2026; Monday 16 March is the week after.
MONDAY = "2026-03-16"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with live_server(tmp_path_factory.mktemp("calendars") / "data") as running:
        yield running


@pytest.fixture(scope="module")
def radicale(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Radicale]:
    with running_radicale(tmp_path_factory.mktemp("radicale")) as running:
        yield running


@pytest.fixture
def feed() -> Iterator[IcsFeed]:
    with serving_ics_feed() as served:
        yield served


def caldav_body(radicale: Radicale, calendar: Any, **changes: str) -> dict[str, str]:
    return {
        "kind": "caldav",
        "url": str(calendar.url),
        "username": radicale.username,
        "password": radicale.password,
    } | changes


def test_an_event_added_in_radicale_removes_the_offered_slot_after_one_sync(
    admin: httpx.Client, radicale: Radicale
) -> None:
    path = open_mornings(admin, "dr-caldav")
    calendar = radicale.make_calendar(f"cal-{uuid.uuid4().hex[:8]}")
    created = admin.post(f"{path}/calendars", json=caldav_body(radicale, calendar))
    assert created.status_code == 201, created.text
    assert radicale.password not in created.text
    assert created.json()["has_password"] is True
    assert free_starts(admin, "dr-caldav", MONDAY) == ["09:00", "09:30"]

    calendar.save_event(event("dentist", "20260316T090000", "20260316T093000"))
    synced = admin.post(f"{path}/calendars/{created.json()['id']}/sync")

    assert synced.status_code == 200, synced.text
    assert synced.json()["last_error"] is None
    assert synced.json()["last_synced_at"] is not None
    assert free_starts(admin, "dr-caldav", MONDAY) == ["09:30"]

    removed = admin.delete(f"{path}/calendars/{created.json()['id']}")
    assert removed.status_code == 204
    assert free_starts(admin, "dr-caldav", MONDAY) == ["09:00", "09:30"]


def test_a_wrong_password_is_refused_with_the_reason_and_never_echoed(
    admin: httpx.Client, radicale: Radicale
) -> None:
    path = open_mornings(admin, "dr-wrong-password")
    calendar = radicale.make_calendar(f"cal-{uuid.uuid4().hex[:8]}")
    body = caldav_body(radicale, calendar, password="hunter2-but-wrong")

    refused = admin.post(f"{path}/calendars", json=body)

    assert refused.status_code == 422
    assert refused.json() == {
        "code": "calendar_unreachable",
        "detail": "The calendar server refused the username or password.",
        "field": "url",
    }
    assert admin.get(f"{path}/calendars").json() == []


def test_a_feeds_secret_path_is_never_shown(admin: httpx.Client, feed: IcsFeed) -> None:
    path = open_mornings(admin, "dr-feed")
    feed.body = event("gym", "20260316T093000", "20260316T100000")

    created = admin.post(f"{path}/calendars", json={"kind": "ics_feed", "url": feed.url})

    assert created.status_code == 201, created.text
    listed = admin.get(f"{path}/calendars")
    assert "feed-token-123" not in created.text + listed.text
    assert listed.json()[0]["url"].endswith("/…")
    assert free_starts(admin, "dr-feed", MONDAY) == ["09:00"]


def test_a_provider_manages_only_their_own_calendars(
    admin: httpx.Client, provider: httpx.Client, feed: IcsFeed
) -> None:
    path = open_mornings(admin, "dr-someone-else")
    feed.body = event("x", "20260316T090000", "20260316T093000")
    body = {"kind": "ics_feed", "url": feed.url}

    assert provider.post(f"{path}/calendars", json=body).status_code == 403
    assert provider.get(f"{path}/calendars").status_code == 403
    own = provider.post("/providers/dr-hoffmann/calendars", json=body)
    assert own.status_code == 201, own.text
    assert admin.get("/providers/dr-hoffmann/calendars").json()[0]["id"] == own.json()["id"]
    other = admin.post(f"{path}/calendars", json=body).json()["id"]
    assert provider.delete(f"{path}/calendars/{other}").status_code == 403
    assert provider.delete(f"/providers/dr-hoffmann/calendars/{other}").status_code == 404


def test_bad_input_is_refused_with_a_clear_message(admin: httpx.Client) -> None:
    path = open_mornings(admin, "dr-bad-input")
    for body, field in (
        ({"kind": "google", "url": "https://example.org/"}, "kind"),
        ({"kind": "ics_feed", "url": "file:///etc/passwd"}, "url"),
        ({"kind": "caldav", "url": "https://dav.example.org/"}, "username"),
    ):
        refused = admin.post(f"{path}/calendars", json=body)
        assert refused.status_code == 422, refused.text
        assert field in refused.text
