"""Admins manage categories over REST: the conventions every admin resource follows."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlalchemy import create_engine, text

from testkit.api_client import api_client, if_match
from testkit.live import LiveServer, live_server


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with live_server(tmp_path_factory.mktemp("categories") / "data") as running:
        yield running


def test_an_admin_creates_reads_renames_and_archives_a_category(admin: httpx.Client) -> None:
    created = admin.post("/categories", json={"id": "tax", "name": "Tax advice"})
    assert created.status_code == 201, created.text
    assert created.json() == {"id": "tax", "name": "Tax advice", "archived": False, "version": 1}
    assert created.headers["ETag"] == '"1"'

    read = admin.get("/categories/tax")
    renamed = admin.patch("/categories/tax", json={"name": "Tax"}, headers=if_match(read))
    assert renamed.status_code == 200, renamed.text
    assert (renamed.json()["name"], renamed.headers["ETag"]) == ("Tax", '"2"')

    archived = admin.delete("/categories/tax", headers=if_match(renamed))
    assert archived.json()["archived"] is True
    assert "tax" not in [c["id"] for c in admin.get("/categories").json()["items"]]
    assert "tax" in [c["id"] for c in admin.get("/categories?archived=true").json()["items"]]

    restored = admin.patch("/categories/tax", json={"archived": False}, headers=if_match(archived))
    assert restored.json()["archived"] is False


def test_lists_come_in_pages_with_the_total(admin: httpx.Client) -> None:
    for n in range(3):
        admin.post("/categories", json={"id": f"paged-{n}", "name": f"Paged {n}"})
    first = admin.get("/categories", params={"q": "paged", "limit": 2}).json()
    second = admin.get("/categories", params={"q": "paged", "limit": 2, "offset": 2}).json()
    assert first["total"] == second["total"] == 3
    assert [c["id"] for c in first["items"] + second["items"]] == ["paged-0", "paged-1", "paged-2"]
    assert admin.get("/categories", params={"limit": 0}).status_code == 422


def test_a_change_from_an_old_version_is_refused_and_changes_nothing(admin: httpx.Client) -> None:
    admin.post("/categories", json={"id": "stale", "name": "Before"})
    read = admin.get("/categories/stale")
    assert admin.patch("/categories/stale", json={"name": "First"}, headers=if_match(read))
    late = admin.patch("/categories/stale", json={"name": "Second"}, headers=if_match(read))
    assert late.status_code == 412
    assert late.json()["code"] == "stale_version"
    assert "changed since you read it" in late.json()["detail"]
    assert admin.get("/categories/stale").json()["name"] == "First"


def test_a_change_without_if_match_is_refused(admin: httpx.Client) -> None:
    admin.post("/categories", json={"id": "unguarded", "name": "Before"})
    blind = admin.patch("/categories/unguarded", json={"name": "After"})
    assert blind.status_code == 428
    assert "If-Match" in blind.json()["detail"]
    unreadable = admin.patch(
        "/categories/unguarded", json={"name": "After"}, headers={"If-Match": "*"}
    )
    assert unreadable.status_code == 412
    assert admin.get("/categories/unguarded").json()["name"] == "Before"


def test_two_admins_changing_at_once_never_overwrite_each_other(
    server: LiveServer, admin: httpx.Client
) -> None:
    admin.post("/categories", json={"id": "contested", "name": "Before"})
    tag = if_match(admin.get("/categories/contested"))

    def rename(name: str) -> int:
        # One admin's token in six clients: the edits race, not the sign-ins (which are bounded).
        with httpx.Client(base_url=admin.base_url, headers=admin.headers, timeout=30) as other:
            renamed = other.patch("/categories/contested", json={"name": name}, headers=tag)
            return renamed.status_code

    with ThreadPoolExecutor(max_workers=6) as pool:
        codes = list(pool.map(rename, [f"Name {n}" for n in range(6)]))
    assert sorted(codes) == [200, 412, 412, 412, 412, 412]
    final = admin.get("/categories/contested")
    assert final.json()["version"] == 2
    assert final.json()["name"] in {f"Name {n}" for n in range(6)}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"id": "Not A Slug", "name": "x"}, "id"),
        ({"id": "ok-id", "name": ""}, "name"),
        ({"name": "no id"}, "id"),
    ],
)
def test_bad_input_is_refused_field_by_field(
    admin: httpx.Client, body: dict[str, str], field: str
) -> None:
    refused = admin.post("/categories", json=body)
    assert refused.status_code == 422
    assert [e["loc"] for e in refused.json()["detail"]] == [["body", field]]


def test_a_null_is_refused_rather_than_blanking_a_field(admin: httpx.Client) -> None:
    admin.post("/categories", json={"id": "nulled", "name": "Kept"})
    read = admin.get("/categories/nulled")
    refused = admin.patch("/categories/nulled", json={"name": None}, headers=if_match(read))
    assert refused.status_code == 422
    assert "name cannot be null" in refused.text


def test_a_taken_id_and_an_unknown_one_get_reasons(admin: httpx.Client) -> None:
    admin.post("/categories", json={"id": "twice", "name": "Once"})
    again = admin.post("/categories", json={"id": "twice", "name": "Twice"})
    assert (again.status_code, again.json()["detail"]) == (
        409,
        "A category with id 'twice' already exists.",
    )
    missing = admin.get("/categories/nowhere")
    assert (missing.status_code, missing.json()["detail"]) == (404, "No category 'nowhere'.")


def test_providers_read_the_catalog_but_only_admins_change_it(
    admin: httpx.Client, provider: httpx.Client, server: LiveServer
) -> None:
    assert provider.get("/categories").status_code == 200
    refused = provider.post("/categories", json={"id": "mine", "name": "Mine"})
    assert (refused.status_code, refused.json()["detail"]) == (403, "Only an admin may do that.")
    with api_client(server, None) as anonymous:
        assert anonymous.get("/categories").status_code == 401
    assert admin.get("/categories/mine").status_code == 404


def test_every_change_is_in_the_audit_log(server: LiveServer, admin: httpx.Client) -> None:
    admin.post("/categories", json={"id": "audited", "name": "Audited"})
    engine = create_engine(f"sqlite:///{server.log_path.parent / 'frontdesk.db'}")
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT action, actor_kind FROM audit_events WHERE subject_id = 'audited'")
        ).all()
    engine.dispose()
    assert [tuple(r) for r in rows] == [("category.created", "staff")]


def test_half_a_unicode_character_is_refused_at_the_door_not_crashed_on(
    admin: httpx.Client,
) -> None:
    lone_surrogate = b'{"id": "surrogate", "name": "\\ud800 half a character"}'
    refused = admin.post(
        "/categories", content=lone_surrogate, headers={"Content-Type": "application/json"}
    )
    assert refused.status_code == 422
    assert "surrogate" in refused.json()["detail"]
    assert admin.get("/categories/surrogate").status_code == 404
    bad_id = b'{"id": "\\udfff", "name": "x"}'
    echoed = admin.post("/categories", content=bad_id, headers={"Content-Type": "application/json"})
    assert echoed.status_code == 422
    assert "\\udfff" not in echoed.text  # the bad text is not echoed back
