"""Admins manage providers and the services they offer over REST; every staff member reads them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text

from testkit.api_client import api_client, if_match
from testkit.live import LiveServer, live_server
from tests.conftest import fresh_database_url

WEBER = {
    "id": "dr-weber",
    "name": "Dr. Anna Weber",
    "kind": "doctor",
    "specialties": ["dermatology", "allergology"],
    "location": "Berlin Mitte",
    "timezone": "Europe/Berlin",
    "buffer_min": 5,
    "slot_step_min": 15,
    "service_ids": ["gp-visit", "derm-consult"],
}


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    # The specialty filter reads a JSON column as text, which each database does its own way.
    return fresh_database_url(request, tmp_path_factory.mktemp("database"), request.param)


@pytest.fixture(scope="module")
def server(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    data_dir = tmp_path_factory.mktemp("providers") / "data"
    with live_server(data_dir, database_url=database_url) as running:
        yield running


def new_provider(provider_id: str, **fields: Any) -> dict[str, Any]:
    return {**WEBER, "id": provider_id, **fields}


def test_an_admin_creates_reads_changes_and_archives_a_provider(admin: httpx.Client) -> None:
    created = admin.post("/providers", json=WEBER)
    assert created.status_code == 201, created.text
    assert created.json() == {
        **WEBER,
        "service_ids": ["derm-consult", "gp-visit"],
        "archived": False,
        "version": 1,
    }
    assert created.headers["ETag"] == '"1"'

    read = admin.get("/providers/dr-weber")
    assert read.json() == created.json()
    changed = admin.patch(
        "/providers/dr-weber",
        json={"location": "Berlin Prenzlauer Berg", "service_ids": ["derm-consult"]},
        headers=if_match(read),
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["location"] == "Berlin Prenzlauer Berg"
    assert (changed.json()["service_ids"], changed.headers["ETag"]) == (["derm-consult"], '"2"')
    assert admin.get("/providers/dr-weber").json()["service_ids"] == ["derm-consult"]

    archived = admin.delete("/providers/dr-weber", headers=if_match(changed))
    assert archived.json()["archived"] is True
    assert "dr-weber" not in ids(admin.get("/providers", params={"limit": 200}))
    assert "dr-weber" in ids(admin.get("/providers", params={"archived": True}))
    restored = admin.patch(
        "/providers/dr-weber", json={"archived": False}, headers=if_match(archived)
    )
    assert (restored.json()["archived"], restored.json()["service_ids"]) == (
        False,
        ["derm-consult"],
    )


def test_services_offered_alone_can_be_changed(admin: httpx.Client) -> None:
    created = admin.post("/providers", json=new_provider("dr-only-services", service_ids=[]))
    assert created.json()["service_ids"] == []
    offered = admin.patch(
        "/providers/dr-only-services",
        json={"service_ids": ["health-checkup", "gp-visit"]},
        headers=if_match(created),
    )
    assert (offered.json()["service_ids"], offered.json()["version"]) == (
        ["gp-visit", "health-checkup"],
        2,
    )
    assert ids(admin.get("/providers", params={"service": "health-checkup"})) == [
        "dr-hoffmann",
        "dr-only-services",
        "dr-yilmaz",
    ]


def test_providers_are_filtered_by_service_specialty_place_and_name(admin: httpx.Client) -> None:
    assert ids(admin.get("/providers", params={"service": "cardio-consult"})) == ["dr-krause"]
    assert ids(admin.get("/providers", params={"specialty": "Family Law"})) == ["lawyer-vogel"]
    # A specialty matches one whole entry, not part of one.
    assert ids(admin.get("/providers", params={"specialty": "law"})) == []
    in_charlottenburg = admin.get("/providers", params={"location": "charlottenburg"}).json()
    assert ids_of(in_charlottenburg) == ["lawyer-vogel", "lawyer-wagner", "notary-berger"]
    assert in_charlottenburg["total"] == 3
    second = admin.get(
        "/providers", params={"location": "charlottenburg", "limit": 2, "offset": 2}
    ).json()
    assert (second["total"], ids_of(second)) == (3, ["notary-berger"])
    assert ids(admin.get("/providers", params={"q": "KRAUSE"})) == ["dr-krause"]


@pytest.mark.parametrize(
    ("fields", "field", "detail"),
    [
        (
            {"timezone": "Mars/Olympus_Mons"},
            "timezone",
            "Unknown time zone 'Mars/Olympus_Mons'; use an IANA name like 'Europe/Berlin'.",
        ),
        (
            {"timezone": "Europe"},
            "timezone",
            "Unknown time zone 'Europe'; use an IANA name like 'Europe/Berlin'.",
        ),
        ({"service_ids": ["gp-visit", "astrology"]}, "service_ids", "No service 'astrology'."),
        (
            {"service_ids": ["gp-visit", "gp-visit"]},
            "service_ids",
            "'gp-visit' is listed more than once.",
        ),
    ],
)
def test_unknown_time_zones_and_services_are_refused_by_field(
    admin: httpx.Client, fields: dict[str, Any], field: str, detail: str
) -> None:
    refused = admin.post("/providers", json=new_provider("dr-refused", **fields))
    assert refused.status_code == 422
    assert refused.json() == {"code": "invalid_input", "detail": detail, "field": field}
    assert admin.get("/providers/dr-refused").status_code == 404


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"buffer_min": -5}, "buffer_min"),
        ({"slot_step_min": 0}, "slot_step_min"),
        ({"name": ""}, "name"),
        ({"id": "Dr Weber"}, "id"),
        ({"specialties": [""]}, "specialties"),
    ],
)
def test_malformed_fields_are_refused_one_by_one(
    admin: httpx.Client, fields: dict[str, Any], field: str
) -> None:
    refused = admin.post("/providers", json=new_provider("dr-malformed", **fields))
    assert refused.status_code == 422
    assert [e["loc"][:2] for e in refused.json()["detail"]] == [["body", field]]


def test_a_change_to_an_unknown_zone_changes_nothing(admin: httpx.Client) -> None:
    read = admin.get("/providers/dr-krause")
    refused = admin.patch(
        "/providers/dr-krause", json={"timezone": "Berlin", "name": "X"}, headers=if_match(read)
    )
    assert (refused.status_code, refused.json()["field"]) == (422, "timezone")
    assert admin.get("/providers/dr-krause").json() == read.json()


def test_an_archived_service_cannot_be_newly_offered_but_stays_offered(
    admin: httpx.Client,
) -> None:
    admin.post(
        "/services",
        json={"id": "retired", "name": "Retired service", "duration_min": 30},
    )
    admin.post("/providers", json=new_provider("dr-keeps-retired", service_ids=["retired"]))
    service = admin.get("/services/retired")
    admin.delete("/services/retired", headers=if_match(service))

    keeps = admin.get("/providers/dr-keeps-retired")
    renamed = admin.patch(
        "/providers/dr-keeps-retired",
        json={"name": "Dr. Keeps", "service_ids": ["retired", "gp-visit"]},
        headers=if_match(keeps),
    )
    assert renamed.status_code == 200, renamed.text
    refused = admin.post("/providers", json=new_provider("dr-new", service_ids=["retired"]))
    assert (refused.status_code, refused.json()["detail"]) == (
        422,
        "The service 'retired' is archived; restore it before using it.",
    )


def test_a_change_from_an_old_version_is_refused_and_changes_nothing(admin: httpx.Client) -> None:
    read = admin.get("/providers/dr-neumann")
    assert admin.patch("/providers/dr-neumann", json={"buffer_min": 10}, headers=if_match(read))
    late = admin.patch(
        "/providers/dr-neumann",
        json={"buffer_min": 20, "service_ids": []},
        headers=if_match(read),
    )
    assert (late.status_code, late.json()["code"]) == (412, "stale_version")
    assert admin.delete("/providers/dr-neumann", headers=if_match(read)).status_code == 412
    now = admin.get("/providers/dr-neumann").json()
    assert (now["buffer_min"], now["service_ids"], now["archived"]) == (10, ["gyn-consult"], False)


def test_providers_read_providers_but_only_admins_change_them(
    server: LiveServer, provider: httpx.Client
) -> None:
    assert provider.get("/providers").json()["total"] >= 10
    own = provider.get("/providers/dr-hoffmann")
    for refused in (
        provider.post("/providers", json=new_provider("dr-mine")),
        provider.patch("/providers/dr-hoffmann", json={"name": "Me"}, headers=if_match(own)),
        provider.delete("/providers/dr-hoffmann", headers=if_match(own)),
    ):
        assert (refused.status_code, refused.json()["detail"]) == (
            403,
            "Only an admin may do that.",
        )
    with api_client(server, None) as anonymous:
        assert anonymous.get("/providers").status_code == 401
        assert anonymous.get("/providers/dr-hoffmann").status_code == 401
    assert provider.get("/providers/dr-hoffmann").json() == own.json()


def test_a_taken_id_and_an_unknown_one_get_reasons(admin: httpx.Client) -> None:
    again = admin.post("/providers", json=new_provider("dr-hoffmann"))
    assert (again.status_code, again.json()["detail"]) == (
        409,
        "A provider with id 'dr-hoffmann' already exists.",
    )
    missing = admin.get("/providers/nobody")
    assert (missing.status_code, missing.json()["detail"]) == (404, "No provider 'nobody'.")


def test_every_change_is_in_the_audit_log(database_url: str, admin: httpx.Client) -> None:
    created = admin.post("/providers", json=new_provider("dr-audited", service_ids=[]))
    admin.patch(
        "/providers/dr-audited", json={"service_ids": ["gp-visit"]}, headers=if_match(created)
    )
    engine = create_engine(database_url)
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT action FROM audit_events WHERE subject_id = 'dr-audited' ORDER BY id")
        ).all()
    engine.dispose()
    assert [row[0] for row in rows] == [
        "provider.created",
        "provider.updated",
        "provider.services_changed",
    ]


def ids(response: httpx.Response) -> list[str]:
    return ids_of(response.json())


def ids_of(page: dict[str, Any]) -> list[str]:
    return [item["id"] for item in page["items"]]
