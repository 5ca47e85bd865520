"""Admins manage knowledge entries over REST, and the running agent answers from them at once."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import create_engine, text

from testkit.api_client import api_client, if_match
from testkit.chat_client import ChatClient
from testkit.live import LiveServer, live_server

BIKES = "Where can I park my bicycle?"
TATTOO = "I want to get rid of an old tattoo"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with live_server(tmp_path_factory.mktemp("knowledge") / "data") as running:
        yield running


def ask(server: LiveServer, question: str) -> str:
    """What a new web chat visitor is told when they ask this."""
    with ChatClient(server.ws_url) as chat:
        return chat.say(question).text


def test_an_admin_creates_reads_changes_and_deletes_an_entry(admin: httpx.Client) -> None:
    entry = {"id": "opening-days", "title": "Public holidays", "text": "Closed on holidays."}
    created = admin.post("/knowledge", json=entry)
    assert created.status_code == 201, created.text
    assert (created.json(), created.headers["ETag"]) == ({**entry, "version": 1}, '"1"')
    read = admin.get("/knowledge/opening-days")
    assert read.json() == created.json()
    changed = admin.patch(
        "/knowledge/opening-days",
        json={"text": "Closed on public holidays."},
        headers=if_match(read),
    )
    assert (changed.json()["text"], changed.headers["ETag"]) == (
        "Closed on public holidays.",
        '"2"',
    )
    assert admin.delete("/knowledge/opening-days", headers=if_match(read)).status_code == 412
    assert admin.delete("/knowledge/opening-days", headers=if_match(changed)).status_code == 204
    gone = admin.get("/knowledge/opening-days")
    assert (gone.status_code, gone.json()["detail"]) == (404, "No knowledge entry 'opening-days'.")


def test_entries_are_listed_in_pages_and_searched_in_title_and_text(admin: httpx.Client) -> None:
    everything = admin.get("/knowledge").json()
    assert everything["total"] >= 4
    assert [e["id"] for e in everything["items"]] == sorted(e["id"] for e in everything["items"])
    by_text = admin.get("/knowledge", params={"q": "GNOTKG"}).json()
    assert [e["id"] for e in by_text["items"]] == ["insurance-payment"]
    by_title = admin.get("/knowledge", params={"q": "how to find", "limit": 1}).json()
    assert (by_title["total"], len(by_title["items"])) == (2, 1)


def test_a_change_from_an_old_version_is_refused_and_changes_nothing(admin: httpx.Client) -> None:
    read = admin.get("/knowledge/cancel-policy")
    assert admin.patch("/knowledge/cancel-policy", json={"title": "New"}, headers=if_match(read))
    late = admin.patch("/knowledge/cancel-policy", json={"title": "Late"}, headers=if_match(read))
    assert (late.status_code, late.json()["code"]) == (412, "stale_version")
    assert admin.get("/knowledge/cancel-policy").json()["title"] == "New"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"id": "Not a slug", "title": "t", "text": "x"}, "id"),
        ({"id": "no-title", "title": "", "text": "x"}, "title"),
        ({"id": "no-text", "title": "t"}, "text"),
    ],
)
def test_bad_entries_are_refused_field_by_field(
    admin: httpx.Client, body: dict[str, str], field: str
) -> None:
    refused = admin.post("/knowledge", json=body)
    assert refused.status_code == 422
    assert [e["loc"] for e in refused.json()["detail"]] == [["body", field]]


def test_a_taken_id_is_refused(admin: httpx.Client) -> None:
    again = admin.post("/knowledge", json={"id": "cancel-policy", "title": "t", "text": "x"})
    assert (again.status_code, again.json()["detail"]) == (
        409,
        "A knowledge entry with id 'cancel-policy' already exists.",
    )


def test_providers_read_knowledge_but_only_admins_change_it(
    server: LiveServer, provider: httpx.Client
) -> None:
    read = provider.get("/knowledge/directions-mitte")
    assert read.status_code == 200
    for refused in (
        provider.post("/knowledge", json={"id": "mine", "title": "t", "text": "x"}),
        provider.patch("/knowledge/directions-mitte", json={"text": "x"}, headers=if_match(read)),
        provider.delete("/knowledge/directions-mitte", headers=if_match(read)),
    ):
        assert (refused.status_code, refused.json()["detail"]) == (
            403,
            "Only an admin may do that.",
        )
    with api_client(server, None) as anonymous:
        assert anonymous.get("/knowledge").status_code == 401
    assert provider.get("/knowledge/directions-mitte").json() == read.json()


def test_the_agent_answers_from_an_entry_as_soon_as_it_is_saved(
    server: LiveServer, admin: httpx.Client
) -> None:
    assert "4711" not in ask(server, BIKES)
    created = admin.post(
        "/knowledge",
        json={
            "id": "bike-parking",
            "title": "Bicycle parking",
            "text": "Bicycle racks stand in the courtyard behind the entrance; gate code 4711.",
        },
    )
    assert created.status_code == 201, created.text
    assert "gate code 4711" in ask(server, BIKES)

    changed = admin.patch(
        "/knowledge/bike-parking",
        json={"text": "Bicycle racks stand in the courtyard behind the entrance; gate code 0815."},
        headers=if_match(created),
    )
    answer = ask(server, BIKES)
    assert "gate code 0815" in answer
    assert "4711" not in answer

    assert admin.delete("/knowledge/bike-parking", headers=if_match(changed)).status_code == 204
    assert "gate code" not in ask(server, BIKES)


def test_the_agent_finds_a_new_service_by_need_until_it_is_archived(
    server: LiveServer, admin: httpx.Client
) -> None:
    assert "Laser tattoo removal" not in ask(server, TATTOO)
    service = admin.post(
        "/services",
        json={
            "id": "tattoo-removal",
            "name": "Laser tattoo removal",
            "category_id": "medical",
            "duration_min": 30,
            "price": "150.00",
            "description": "Removing or fading an unwanted tattoo with a laser, over several "
            "sessions; also permanent make-up.",
        },
    )
    assert service.status_code == 201, service.text
    provider = admin.post(
        "/providers",
        json={
            "id": "dr-kroll",
            "name": "Dr. Ina Kroll",
            "timezone": "Europe/Berlin",
            "location": "Berlin Mitte",
            "service_ids": ["tattoo-removal"],
        },
    )
    weekdays = [{"weekday": day, "opens": "09:00", "closes": "17:00"} for day in range(5)]
    hours = admin.put(
        "/providers/dr-kroll/hours", json={"hours": weekdays}, headers=if_match(provider)
    )
    assert hours.status_code == 200, hours.text
    assert "Dr. Ina Kroll has these free times for Laser tattoo removal" in ask(server, TATTOO)

    assert admin.delete("/services/tattoo-removal", headers=if_match(service)).status_code == 200
    assert "Laser tattoo removal" not in ask(server, TATTOO)


def test_every_change_is_in_the_audit_log(server: LiveServer, admin: httpx.Client) -> None:
    created = admin.post("/knowledge", json={"id": "audited", "title": "t", "text": "x"})
    changed = admin.patch("/knowledge/audited", json={"text": "y"}, headers=if_match(created))
    admin.delete("/knowledge/audited", headers=if_match(changed))
    engine = create_engine(f"sqlite:///{server.log_path.parent / 'frontdesk.db'}")
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT action FROM audit_events WHERE subject_id = 'audited' ORDER BY id")
        ).all()
    engine.dispose()
    assert [row[0] for row in rows] == [
        "knowledge_entry.created",
        "knowledge_entry.updated",
        "knowledge_entry.deleted",
    ]
