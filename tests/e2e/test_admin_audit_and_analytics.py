"""Admins read the audit log and the practice's figures over REST; nobody else may."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from testkit.api_client import api_client, if_match
from testkit.chat_client import ChatClient
from testkit.live import LiveServer, live_server

LAST_WEEK = {"from": "2026-03-02", "to": "2026-03-06"}
COUNTS = ("bookings", "confirmed", "completed", "no_show", "cancelled")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with live_server(tmp_path_factory.mktemp("audit-analytics") / "data") as running:
        yield running


def admin_id(admin: httpx.Client) -> str:
    read = admin.get("/audit-events", params={"action": "client.profile_read", "limit": 1})
    actor: str = read.json()["items"][0]["actor_id"]
    return actor


class TestAuditLog:
    def test_changes_and_reads_of_a_client_are_listed_newest_first(
        self, admin: httpx.Client
    ) -> None:
        read = admin.get("/clients/maria-koch")
        admin.patch("/clients/maria-koch", json={"name": "Maria Koch-Berg"}, headers=if_match(read))
        log = admin.get(
            "/audit-events", params={"subject_type": "client", "subject_id": "maria-koch"}
        )
        assert log.status_code == 200
        events = log.json()["items"]
        assert [e["action"] for e in events] == ["client.updated", "client.profile_read"]
        assert {(e["actor_kind"], e["channel"]) for e in events} == {("staff", "api")}
        assert events[0]["details"] == {"fields": ["name"]}

    def test_events_are_filtered_by_actor_action_prefix_and_time(self, admin: httpx.Client) -> None:
        admin.get("/clients/paul-hartmann")
        me = admin_id(admin)
        mine = admin.get("/audit-events", params={"actor_id": me, "action": "client.*"}).json()
        assert mine["total"] >= 1
        assert {e["actor_id"] for e in mine["items"]} == {me}
        assert all(e["action"].startswith("client.") for e in mine["items"])
        loaded = admin.get("/audit-events", params={"action": "world.loaded"}).json()["items"]
        assert [(e["actor_kind"], e["actor_id"]) for e in loaded] == [("system", None)]
        # The clock is frozen at Monday 9 March 09:00 (Berlin): everything happened then.
        at = {"from": "2026-03-09T08:00:00Z", "to": "2026-03-09T08:00:01Z"}
        assert admin.get("/audit-events", params=at).json()["total"] >= 2
        before = {"to": "2026-03-09T08:00:00Z"}
        assert admin.get("/audit-events", params=before).json()["total"] == 0

    def test_lists_come_in_pages_and_one_event_can_be_read(self, admin: httpx.Client) -> None:
        for _ in range(3):
            admin.get("/clients/david-nowak")
        params: dict[str, str | int] = {"subject_id": "david-nowak", "limit": 2}
        first = admin.get("/audit-events", params=params).json()
        rest = admin.get("/audit-events", params={**params, "offset": 2}).json()
        assert first["total"] == rest["total"] == 3
        newest = first["items"][0]
        assert [e["id"] for e in first["items"] + rest["items"]] == sorted(
            [e["id"] for e in first["items"] + rest["items"]], reverse=True
        )
        assert admin.get(f"/audit-events/{newest['id']}").json() == newest
        missing = admin.get("/audit-events/999999999")
        assert (missing.status_code, missing.json()["code"]) == (404, "not_found")

    @pytest.mark.parametrize(
        ("params", "field"),
        [
            ({"from": "2026-03-09T08:00:00"}, "from"),  # no offset: which 08:00?
            ({"from": "2026-03-09T09:00:00Z", "to": "2026-03-09T08:00:00Z"}, "to"),
            ({"limit": 500}, "limit"),
        ],
    )
    def test_bad_filters_are_refused_by_field(
        self, admin: httpx.Client, params: dict[str, str], field: str
    ) -> None:
        refused = admin.get("/audit-events", params=params)
        assert refused.status_code == 422
        assert fields_of(refused) == [field]

    def test_the_log_cannot_be_changed(self, admin: httpx.Client) -> None:
        assert admin.delete("/audit-events/1").status_code == 405
        assert admin.post("/audit-events", json={}).status_code == 405


class TestFigures:
    def test_last_weeks_bookings_outcomes_and_rates(self, admin: httpx.Client) -> None:
        figures = admin.get("/analytics", params=LAST_WEEK)
        assert figures.status_code == 200, figures.text
        body = figures.json()
        # Ten bookings: eight completed, one no-show (b-0007), one cancelled (b-0009).
        assert [body["totals"][k] for k in COUNTS] == [10, 0, 8, 1, 1]
        assert body["totals"]["no_show_rate"] == round(1 / 9, 4)
        assert body["totals"]["cancellation_rate"] == 0.1
        assert [(d["day"], d["bookings"]) for d in body["per_day"]] == [
            (f"2026-03-0{n}", 2) for n in range(2, 7)
        ]
        services = {s["service_id"]: s["bookings"] for s in body["per_service"]}
        assert services == {
            "gp-visit": 2,
            "notary-certification": 1,
            "family-law-consult": 1,
            "physio-session": 3,
            "tenancy-law-consult": 1,
            "derm-consult": 1,
            "gyn-consult": 1,
        }

    def test_utilisation_is_booked_minutes_over_open_minutes(self, admin: httpx.Client) -> None:
        last_week = by_provider(admin.get("/analytics", params=LAST_WEEK).json())
        # Dr. Hoffmann opens 8 h Mon, Tue, Thu and 4 h Wed, Fri; one 20-minute visit (b-0005).
        hoffmann = last_week["dr-hoffmann"]
        assert (hoffmann["booked_minutes"], hoffmann["open_minutes"]) == (20, 3 * 480 + 2 * 240)
        assert hoffmann["utilisation"] == round(20 / 1920, 4)
        # Lena Fischer: 9.5 h Mon-Thu, 6 h Fri; three 25-minute sessions.
        fischer = last_week["physio-fischer"]
        assert (fischer["booked_minutes"], fischer["open_minutes"]) == (75, 4 * 570 + 360)
        # This week Dr. Lehmann is at a congress Thursday and Friday: only Mon-Wed are open.
        this_week = admin.get("/analytics", params={"from": "2026-03-09", "to": "2026-03-13"})
        lehmann = by_provider(this_week.json())["dr-lehmann"]
        assert (lehmann["booked_minutes"], lehmann["open_minutes"]) == (50, 420 + 420 + 180)

    def test_the_share_of_conversations_handed_to_a_person(
        self, server: LiveServer, admin: httpx.Client
    ) -> None:
        with ChatClient(server.ws_url) as chatting, ChatClient(server.ws_url) as asking:
            chatting.say("What are your opening hours?")
            asking.say("I'd like to talk to a person please")
        today = {"from": "2026-03-09", "to": "2026-03-09"}
        conversations = admin.get("/analytics", params=today).json()["conversations"]
        assert conversations == {"started": 2, "handed_to_humans": 1, "handoff_share": 0.5}

    @pytest.mark.parametrize(
        ("params", "field"),
        [
            ({"from": "2026-03-09", "to": "2026-03-02"}, "to"),
            ({"from": "2025-01-01", "to": "2026-03-02"}, "to"),  # more than 366 days
            ({"to": "2026-03-02"}, "from"),
            ({"from": "2026-02-30", "to": "2026-03-02"}, "from"),
        ],
    )
    def test_a_bad_range_is_refused_by_field(
        self, admin: httpx.Client, params: dict[str, str], field: str
    ) -> None:
        refused = admin.get("/analytics", params=params)
        assert refused.status_code == 422
        assert fields_of(refused) == [field]


class TestWhoMaySee:
    def test_providers_are_refused(self, provider: httpx.Client) -> None:
        for path, params in (("/audit-events", {}), ("/analytics", LAST_WEEK)):
            refused = provider.get(path, params=params)
            assert (refused.status_code, refused.json()["detail"]) == (
                403,
                "Only an admin may do that.",
            )

    def test_anonymous_callers_are_refused(self, server: LiveServer) -> None:
        with api_client(server, None) as anonymous:
            assert anonymous.get("/audit-events").status_code == 401
            assert anonymous.get("/analytics", params=LAST_WEEK).status_code == 401


def fields_of(refused: httpx.Response) -> list[str]:
    """The fields a 422 names: pydantic's, or the one a domain rule named."""
    body = refused.json()
    return [body["field"]] if "field" in body else [e["loc"][1] for e in body["detail"]]


def by_provider(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {p["provider_id"]: p for p in body["per_provider"]}
