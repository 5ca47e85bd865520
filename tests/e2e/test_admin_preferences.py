"""Staff read and change a client's notification preferences over REST, as the client would.

In the demo world Lena Schmidt has an email, a phone and a linked Telegram chat and never
booked with Dr. Hoffmann; Markus Wolf (email and phone) and Elena Popescu booked with him.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text

from testkit.live import LiveServer, live_server

EVENTS = [
    "booking.confirmed",
    "booking.changed",
    "booking.cancelled",
    "documents.requested",
    "booking.reminder",
]
PATH = "/clients/{}/notification-preferences"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with live_server(tmp_path_factory.mktemp("preferences") / "data") as running:
        yield running


def query(server: LiveServer, sql: str, **params: str) -> list[tuple[Any, ...]]:
    engine = create_engine(f"sqlite:///{server.log_path.parent / 'frontdesk.db'}")
    with engine.connect() as connection:
        rows = [tuple(row) for row in connection.execute(text(sql), params)]
    engine.dispose()
    return rows


def matrix(body: dict[str, Any]) -> dict[str, dict[str, tuple[bool, bool, bool]]]:
    """event -> channel -> (enabled, chosen, delivered)."""
    return {
        e["event"]: {
            c["channel"]: (c["enabled"], c["chosen"], c["delivered"]) for c in e["channels"]
        }
        for e in body["events"]
    }


class TestReading:
    def test_the_defaults_show_every_event_by_channel_with_the_addresses_that_reach_them(
        self, admin: httpx.Client
    ) -> None:
        read = admin.get(PATH.format("lena-schmidt"))
        assert read.status_code == 200, read.text
        body = read.json()
        assert [e["event"] for e in body["events"]] == EVENTS
        assert matrix(body)["booking.reminder"] == {
            "email": (True, False, True),
            "sms": (False, False, False),
            "telegram": (True, False, True),
        }
        assert body["reachable"] == [
            {"channel": "email", "address": "lena.schmidt@example.com"},
            {"channel": "sms", "address": "+4915123847716"},
            {"channel": "telegram", "address": "700101"},
        ]

    def test_an_unknown_client_is_not_found(self, admin: httpx.Client) -> None:
        assert admin.get(PATH.format("nobody")).status_code == 404


class TestChanging:
    def test_changes_apply_in_order_are_marked_as_chosen_and_audited(
        self, server: LiveServer, admin: httpx.Client
    ) -> None:
        changes = [
            {"enabled": False},
            {"channel": "sms", "enabled": True},
            {"event": "booking.reminder", "channel": "email", "enabled": True},
        ]
        changed = admin.patch(PATH.format("markus-wolf"), json={"changes": changes})
        assert changed.status_code == 200, changed.text
        got = matrix(changed.json())
        assert got["booking.confirmed"] == {
            "email": (False, True, False),
            "sms": (True, True, True),
            "telegram": (False, True, False),
        }
        assert got["booking.reminder"]["email"] == (True, True, True)
        assert matrix(admin.get(PATH.format("markus-wolf")).json()) == got
        audited = query(
            server,
            "SELECT actor_kind, channel FROM audit_events WHERE subject_id = 'markus-wolf'"
            " AND action = 'client.notification_preferences_changed'",
        )
        assert audited == [("staff", "api")]

    def test_staff_may_turn_on_a_channel_before_it_reaches_the_client(
        self, admin: httpx.Client
    ) -> None:
        changes = [{"channel": "telegram", "enabled": True}]
        changed = admin.patch(PATH.format("elena-popescu"), json={"changes": changes})
        assert changed.status_code == 200, changed.text
        assert matrix(changed.json())["booking.confirmed"]["telegram"] == (True, True, False)

    @pytest.mark.parametrize(
        ("change", "named"),
        [
            ({"event": "booking.party", "enabled": False}, "booking.party"),
            ({"channel": "pigeon", "enabled": False}, "pigeon"),
        ],
    )
    def test_an_unknown_event_or_channel_is_refused_by_name(
        self, server: LiveServer, admin: httpx.Client, change: dict[str, Any], named: str
    ) -> None:
        refused = admin.patch(PATH.format("aylin-demir"), json={"changes": [change]})
        assert refused.status_code == 422
        assert named in refused.json()["detail"]
        assert query(
            server, "SELECT count(*) FROM notification_preferences WHERE client_id = 'aylin-demir'"
        ) == [(0,)]

    @pytest.mark.parametrize(
        "body",
        [{}, {"changes": []}, {"changes": [{"event": "booking.reminder"}]}, {"changes": "all"}],
    )
    def test_a_malformed_body_is_refused(self, admin: httpx.Client, body: Any) -> None:
        assert admin.patch(PATH.format("aylin-demir"), json=body).status_code == 422


class TestWhoMay:
    def test_a_provider_reads_and_changes_their_own_clients(self, provider: httpx.Client) -> None:
        assert provider.get(PATH.format("elena-popescu")).status_code == 200
        changes = [{"event": "booking.reminder", "enabled": False}]
        changed = provider.patch(PATH.format("elena-popescu"), json={"changes": changes})
        assert changed.status_code == 200, changed.text
        assert not any(
            delivered for _, _, delivered in matrix(changed.json())["booking.reminder"].values()
        )

    def test_another_providers_client_is_not_found_and_stays_unchanged(
        self, server: LiveServer, provider: httpx.Client
    ) -> None:
        assert provider.get(PATH.format("lena-schmidt")).status_code == 404
        blind = provider.patch(PATH.format("lena-schmidt"), json={"changes": [{"enabled": False}]})
        assert (blind.status_code, blind.json()["code"]) == (404, "not_found")
        assert query(
            server, "SELECT count(*) FROM notification_preferences WHERE client_id = 'lena-schmidt'"
        ) == [(0,)]

    def test_anonymous_callers_are_refused(self, server: LiveServer) -> None:
        url = f"{server.base_url}/api/v1{PATH.format('lena-schmidt')}"
        assert httpx.get(url).status_code == 401
        assert httpx.patch(url, json={"changes": [{"enabled": False}]}).status_code == 401
