"""Weekly hours, date overrides and time off over REST, and the free slots that follow them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import create_engine, text

from testkit.api_client import HOFFMANN, api_client, if_match
from testkit.live import LiveServer, live_server

BERLIN = ZoneInfo("Europe/Berlin")
# The demo clock stands on Monday 9 March 2026; these days are the week after.
MONDAY, TUESDAY, SATURDAY = "2026-03-16", "2026-03-17", "2026-03-21"
MORNINGS = [{"weekday": day, "opens": "09:00:00", "closes": "10:00:00"} for day in range(5)]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with live_server(tmp_path_factory.mktemp("schedules") / "data") as running:
        yield running


@pytest.fixture(scope="module")
def hoffmann(server: LiveServer) -> Iterator[httpx.Client]:
    with api_client(server, HOFFMANN) as client:
        yield client


def open_mornings(admin: httpx.Client, provider_id: str) -> str:
    """Add a provider offering GP visits on weekday mornings, 09:00-10:00, every 30 minutes."""
    created = admin.post(
        "/providers",
        json={
            "id": provider_id,
            "name": provider_id,
            "timezone": "Europe/Berlin",
            "slot_step_min": 30,
            "service_ids": ["gp-visit"],
        },
    )
    assert created.status_code == 201, created.text
    hours = admin.put(
        f"/providers/{provider_id}/hours", json={"hours": MORNINGS}, headers=if_match(created)
    )
    assert hours.status_code == 200, hours.text
    return f"/providers/{provider_id}"


def free_starts(client: httpx.Client, provider_id: str, day: str) -> list[str]:
    """The local start times offered for a GP visit with the provider on one day."""
    found = client.get(
        "/availability",
        params={"start": f"{day}T00:00:00+01:00", "days": 1, "provider": provider_id},
    )
    assert found.status_code == 200, found.text
    return [
        f"{datetime.fromisoformat(start).astimezone(BERLIN):%H:%M}"
        for item in found.json()
        for start in item["starts"]
    ]


def test_an_admin_replaces_the_weekly_hours_and_the_slots_follow(admin: httpx.Client) -> None:
    path = open_mornings(admin, "dr-weekly")
    assert free_starts(admin, "dr-weekly", MONDAY) == ["09:00", "09:30"]
    read = admin.get(f"{path}/hours")
    assert (read.json()["version"], read.headers["ETag"]) == (2, '"2"')
    split_monday = [
        {"weekday": 0, "opens": "14:00", "closes": "15:00"},
        {"weekday": 0, "opens": "08:00", "closes": "09:00"},
    ]
    replaced = admin.put(f"{path}/hours", json={"hours": split_monday}, headers=if_match(read))
    assert replaced.status_code == 200, replaced.text
    assert replaced.json() == {
        "provider_id": "dr-weekly",
        "version": 3,
        "hours": [
            {"weekday": 0, "opens": "08:00:00", "closes": "09:00:00"},
            {"weekday": 0, "opens": "14:00:00", "closes": "15:00:00"},
        ],
    }
    assert admin.get(f"{path}/hours").json() == replaced.json()
    assert admin.get(path).headers["ETag"] == '"3"'  # the hours are part of the provider
    assert free_starts(admin, "dr-weekly", MONDAY) == ["08:00", "08:30", "14:00", "14:30"]
    assert free_starts(admin, "dr-weekly", TUESDAY) == []


@pytest.mark.parametrize(
    ("hours", "field", "detail"),
    [
        (
            [MORNINGS[0], {"weekday": 2, "opens": "12:00", "closes": "11:00"}],
            "hours[1]",
            "12:00-11:00 closes before it opens.",
        ),
        (
            [
                {"weekday": 0, "opens": "09:00", "closes": "12:00"},
                {"weekday": 1, "opens": "09:00", "closes": "12:00"},
                {"weekday": 0, "opens": "11:00", "closes": "13:00"},
            ],
            "hours[2]",
            "On Monday, 09:00-12:00 and 11:00-13:00 overlap.",
        ),
        (
            [{"weekday": 0, "opens": "09:00+01:00", "closes": "12:00+01:00"}],
            "hours[0]",
            "Opening times are wall times in the provider's time zone; leave out the offset.",
        ),
    ],
)
def test_bad_hours_are_refused_and_change_nothing(
    admin: httpx.Client, hours: list[dict[str, Any]], field: str, detail: str
) -> None:
    path = open_mornings(admin, f"dr-bad-hours-{field[6]}")
    read = admin.get(f"{path}/hours")
    refused = admin.put(f"{path}/hours", json={"hours": hours}, headers=if_match(read))
    assert refused.status_code == 422
    assert refused.json() == {"code": "invalid_input", "detail": detail, "field": field}
    assert admin.get(f"{path}/hours").json() == read.json()


def test_a_weekday_past_sunday_is_refused_by_schema(admin: httpx.Client) -> None:
    read = admin.get("/providers/dr-hoffmann/hours")
    refused = admin.put(
        "/providers/dr-hoffmann/hours",
        json={"hours": [{"weekday": 7, "opens": "09:00", "closes": "10:00"}]},
        headers=if_match(read),
    )
    assert refused.status_code == 422
    assert [e["loc"] for e in refused.json()["detail"]] == [["body", "hours", 0, "weekday"]]


def test_hours_from_an_old_version_are_refused(admin: httpx.Client) -> None:
    path = open_mornings(admin, "dr-stale-hours")
    read = admin.get(f"{path}/hours")
    renamed = admin.patch(path, json={"name": "Renamed"}, headers=if_match(admin.get(path)))
    assert renamed.status_code == 200
    late = admin.put(f"{path}/hours", json={"hours": []}, headers=if_match(read))
    assert (late.status_code, late.json()["code"]) == (412, "stale_version")
    assert admin.put(f"{path}/hours", json={"hours": []}).status_code == 428
    assert admin.get(f"{path}/hours").json()["hours"] == read.json()["hours"]


def test_a_provider_keeps_their_own_schedule_but_not_a_colleagues(
    server: LiveServer, hoffmann: httpx.Client
) -> None:
    own = hoffmann.get("/providers/dr-hoffmann/hours")
    kept = hoffmann.put(
        "/providers/dr-hoffmann/hours", json={"hours": MORNINGS}, headers=if_match(own)
    )
    assert kept.status_code == 200, kept.text
    day_off = hoffmann.post("/providers/dr-hoffmann/overrides", json={"day": TUESDAY})
    assert day_off.status_code == 201, day_off.text
    away = hoffmann.post(
        "/providers/dr-hoffmann/time-off",
        json={"starts_at": f"{MONDAY}T09:00:00+01:00", "ends_at": f"{MONDAY}T12:00:00+01:00"},
    )
    assert away.status_code == 201, away.text
    assert free_starts(hoffmann, "dr-hoffmann", MONDAY) == []

    colleague = hoffmann.get("/providers/dr-yilmaz/hours")
    assert colleague.status_code == 200  # every staff member may read it
    override = hoffmann.get("/providers/dr-yilmaz/overrides")
    assert override.status_code == 200
    mine_only = "You may only see and change your own schedule and bookings."
    for refused in (
        hoffmann.put("/providers/dr-yilmaz/hours", json={"hours": []}, headers=if_match(colleague)),
        hoffmann.post("/providers/dr-yilmaz/overrides", json={"day": TUESDAY}),
        hoffmann.post(
            "/providers/dr-yilmaz/time-off",
            json={"starts_at": f"{MONDAY}T09:00:00Z", "ends_at": f"{MONDAY}T10:00:00Z"},
        ),
        hoffmann.delete(f"/providers/dr-yilmaz/overrides/{day_off.json()['id']}"),
    ):
        assert (refused.status_code, refused.json()["detail"]) == (403, mine_only)
    with api_client(server, None) as anonymous:
        assert anonymous.get("/providers/dr-hoffmann/hours").status_code == 401
        assert anonymous.get("/providers/dr-hoffmann/time-off").status_code == 401
        assert anonymous.post("/providers/dr-hoffmann/overrides", json={}).status_code == 401


def test_an_override_closes_a_day_or_opens_it_at_other_hours(admin: httpx.Client) -> None:
    path = open_mornings(admin, "dr-overrides")
    closed = admin.post(f"{path}/overrides", json={"day": TUESDAY})
    assert closed.status_code == 201, closed.text
    assert closed.json() == {
        "id": closed.json()["id"],
        "provider_id": "dr-overrides",
        "day": TUESDAY,
        "opens": None,
        "closes": None,
    }
    opened = admin.post(
        f"{path}/overrides", json={"day": SATURDAY, "opens": "10:00", "closes": "11:00"}
    )
    assert opened.status_code == 201, opened.text
    assert free_starts(admin, "dr-overrides", TUESDAY) == []
    assert free_starts(admin, "dr-overrides", SATURDAY) == ["10:00", "10:30"]

    listed = admin.get(f"{path}/overrides").json()
    assert ([o["day"] for o in listed["items"]], listed["total"]) == ([TUESDAY, SATURDAY], 2)
    later = admin.get(f"{path}/overrides", params={"from": "2026-03-18", "to": SATURDAY}).json()
    assert [o["day"] for o in later["items"]] == [SATURDAY]

    deleted = admin.delete(f"{path}/overrides/{closed.json()['id']}")
    assert deleted.status_code == 204
    assert free_starts(admin, "dr-overrides", TUESDAY) == ["09:00", "09:30"]
    again = admin.delete(f"{path}/overrides/{closed.json()['id']}")
    assert (again.status_code, again.json()["detail"]) == (
        404,
        f"No override {closed.json()['id']} for provider 'dr-overrides'.",
    )


@pytest.mark.parametrize(
    ("body", "status", "detail"),
    [
        (
            {"day": SATURDAY, "opens": "10:30", "closes": "12:00"},
            409,
            "10:30-12:00 overlaps 10:00-11:00 already set for 2026-03-21.",
        ),
        (
            {"day": SATURDAY},
            409,
            "2026-03-21 is already given other hours; delete that override first.",
        ),
        (
            {"day": TUESDAY, "opens": "10:00", "closes": "11:00"},
            409,
            "2026-03-17 is already closed; delete that override first.",
        ),
        (
            {"day": MONDAY, "opens": "10:00"},
            422,
            "Give both opens and closes, or neither to close the day.",
        ),
        (
            {"day": MONDAY, "opens": "11:00", "closes": "10:00"},
            422,
            "11:00-10:00 closes before it opens.",
        ),
        ({"day": "9999-01-01"}, 422, "The day must lie between 1971 and 9000."),
    ],
)
def test_overrides_that_clash_or_make_no_sense_are_refused(
    admin: httpx.Client, body: dict[str, str], status: int, detail: str
) -> None:
    path = "/providers/dr-clashes"
    if admin.get(path).status_code == 404:
        open_mornings(admin, "dr-clashes")
        admin.post(f"{path}/overrides", json={"day": TUESDAY})
        admin.post(f"{path}/overrides", json={"day": SATURDAY, "opens": "10:00", "closes": "11:00"})
    refused = admin.post(f"{path}/overrides", json=body)
    assert (refused.status_code, refused.json()["detail"]) == (status, detail)
    assert admin.get(f"{path}/overrides").json()["total"] == 2


def test_time_off_takes_its_slots_away_until_it_is_deleted(admin: httpx.Client) -> None:
    path = open_mornings(admin, "dr-away")
    away = admin.post(
        f"{path}/time-off",
        json={
            "starts_at": f"{MONDAY}T09:00:00+01:00",
            "ends_at": f"{MONDAY}T09:30:00+01:00",
            "reason": "school run",
        },
    )
    assert away.status_code == 201, away.text
    assert away.json() == {
        "id": away.json()["id"],
        "provider_id": "dr-away",
        "starts_at": f"{MONDAY}T08:00:00Z",
        "ends_at": f"{MONDAY}T08:30:00Z",
        "reason": "school run",
    }
    assert free_starts(admin, "dr-away", MONDAY) == ["09:30"]
    admin.post(
        f"{path}/time-off",
        json={"starts_at": f"{SATURDAY}T00:00:00+01:00", "ends_at": "2026-03-23T00:00:00+01:00"},
    )
    listed = admin.get(f"{path}/time-off").json()
    assert (listed["total"], [t["reason"] for t in listed["items"]]) == (2, ["school run", ""])
    weekend = admin.get(
        f"{path}/time-off",
        params={"from": "2026-03-22T00:00:00+01:00", "to": "2026-03-30T00:00:00+02:00"},
    ).json()
    assert [t["starts_at"] for t in weekend["items"]] == ["2026-03-20T23:00:00Z"]

    assert admin.delete(f"{path}/time-off/{away.json()['id']}").status_code == 204
    assert free_starts(admin, "dr-away", MONDAY) == ["09:00", "09:30"]
    assert admin.delete(f"{path}/time-off/{away.json()['id']}").status_code == 404


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"starts_at": f"{MONDAY}T09:00:00", "ends_at": f"{MONDAY}T10:00:00+01:00"}, "starts_at"),
        ({"starts_at": f"{MONDAY}T09:00:00+01:00"}, "ends_at"),
    ],
)
def test_time_off_needs_two_instants_with_offsets(
    admin: httpx.Client, body: dict[str, str], loc: str
) -> None:
    refused = admin.post("/providers/dr-lehmann/time-off", json=body)
    assert refused.status_code == 422
    assert [e["loc"] for e in refused.json()["detail"]] == [["body", loc]]


def test_time_off_must_end_after_it_starts(admin: httpx.Client) -> None:
    before = admin.get("/providers/dr-lehmann/time-off").json()["total"]
    refused = admin.post(
        "/providers/dr-lehmann/time-off",
        json={"starts_at": f"{MONDAY}T10:00:00+01:00", "ends_at": f"{MONDAY}T09:00:00Z"},
    )
    assert refused.json() == {
        "code": "invalid_input",
        "detail": "Time off must end after it starts.",
        "field": "ends_at",
    }
    assert admin.get("/providers/dr-lehmann/time-off").json()["total"] == before
    missing = admin.get("/providers/nobody/time-off")
    assert (missing.status_code, missing.json()["detail"]) == (404, "No provider 'nobody'.")


def test_schedule_changes_are_audited_with_who_made_them(
    server: LiveServer, admin: httpx.Client
) -> None:
    path = open_mornings(admin, "dr-audited")
    override = admin.post(f"{path}/overrides", json={"day": TUESDAY}).json()
    admin.delete(f"{path}/overrides/{override['id']}")
    admin.post(
        f"{path}/time-off",
        json={"starts_at": f"{MONDAY}T09:00:00+01:00", "ends_at": f"{MONDAY}T10:00:00+01:00"},
    )
    engine = create_engine(f"sqlite:///{server.log_path.parent / 'frontdesk.db'}")
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT action, actor_id FROM audit_events "
                "WHERE subject_id = 'dr-audited' ORDER BY id"
            )
        ).all()
    engine.dispose()
    actions = [row[0] for row in rows]
    assert actions == [
        "provider.created",
        "provider.services_changed",
        "provider.hours_replaced",
        "provider.override_added",
        "provider.override_removed",
        "provider.time_off_added",
    ]
    assert len({row[1] for row in rows}) == 1  # all by the signed-in admin
