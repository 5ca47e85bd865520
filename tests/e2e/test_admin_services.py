"""Admins manage services and document kinds over REST; every staff member reads them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text

from testkit.api_client import api_client, if_match
from testkit.live import LiveServer, live_server

LASER = {
    "id": "laser-therapy",
    "name": "Laser skin therapy",
    "category_id": "medical",
    "duration_min": 30,
    "price": "120.00",
    "currency": "EUR",
    "description": "Laser treatment of scars, spider veins and pigment spots.",
    "required_documents": ["insurance_card"],
    "intake_fields": ["date_of_birth", "insurance_number"],
    "form_templates": ["medical-intake"],
}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with live_server(tmp_path_factory.mktemp("services") / "data") as running:
        yield running


def service(service_id: str, **fields: Any) -> dict[str, Any]:
    return {**LASER, "id": service_id, **fields}


def test_an_admin_creates_reads_changes_and_archives_a_service(admin: httpx.Client) -> None:
    created = admin.post("/services", json=LASER)
    assert created.status_code == 201, created.text
    assert created.json() == {**LASER, "archived": False, "version": 1}
    assert created.headers["ETag"] == '"1"'

    read = admin.get("/services/laser-therapy")
    assert read.json() == created.json()
    changed = admin.patch(
        "/services/laser-therapy",
        json={"price": "135.50", "required_documents": ["insurance_card", "referral_letter"]},
        headers=if_match(read),
    )
    assert changed.status_code == 200, changed.text
    assert (changed.json()["price"], changed.headers["ETag"]) == ("135.50", '"2"')
    assert changed.json()["required_documents"] == ["insurance_card", "referral_letter"]

    archived = admin.delete("/services/laser-therapy", headers=if_match(changed))
    assert archived.json()["archived"] is True
    assert "laser-therapy" not in ids(admin.get("/services", params={"limit": 200}))
    assert "laser-therapy" in ids(admin.get("/services", params={"archived": True}))
    restored = admin.patch(
        "/services/laser-therapy", json={"archived": False}, headers=if_match(archived)
    )
    assert restored.json()["archived"] is False


def test_a_service_may_leave_its_category_out(admin: httpx.Client) -> None:
    created = admin.post("/services", json=service("uncategorised", category_id=None))
    assert created.status_code == 201, created.text
    moved = admin.patch(
        "/services/uncategorised", json={"category_id": "legal"}, headers=if_match(created)
    )
    cleared = admin.patch(
        "/services/uncategorised", json={"category_id": None}, headers=if_match(moved)
    )
    assert (moved.json()["category_id"], cleared.json()["category_id"]) == ("legal", None)


def test_services_are_listed_in_pages_by_category_and_name(admin: httpx.Client) -> None:
    legal = admin.get("/services", params={"category": "legal"}).json()
    assert legal["total"] == 5
    assert ids_of(legal) == [
        "employment-law-consult",
        "family-law-consult",
        "notary-certification",
        "notary-deed",
        "tenancy-law-consult",
    ]
    first = admin.get("/services", params={"category": "legal", "limit": 2, "offset": 3}).json()
    assert (first["total"], ids_of(first)) == (5, ["notary-deed", "tenancy-law-consult"])
    assert ids_of(admin.get("/services", params={"q": "NOTARIAL"}).json()) == [
        "notary-certification",
        "notary-deed",
    ]


@pytest.mark.parametrize(
    ("fields", "field", "detail"),
    [
        ({"category_id": "astrology"}, "category_id", "No category 'astrology'."),
        (
            {"required_documents": ["passport", "horoscope"]},
            "required_documents",
            "No document kind 'horoscope'.",
        ),
        (
            {"form_templates": ["no-such-form"]},
            "form_templates",
            "No form template 'no-such-form'.",
        ),
        (
            {"intake_fields": ["Date Of Birth"]},
            "intake_fields",
            "'Date Of Birth' is not a profile field name (lowercase letters, digits, _).",
        ),
        (
            {"required_documents": ["passport", "passport"]},
            "required_documents",
            "'passport' is listed more than once.",
        ),
    ],
)
def test_references_to_unknown_records_are_refused_by_field(
    admin: httpx.Client, fields: dict[str, Any], field: str, detail: str
) -> None:
    refused = admin.post("/services", json=service("refused", **fields))
    assert refused.status_code == 422
    assert refused.json() == {"code": "invalid_input", "detail": detail, "field": field}
    assert admin.get("/services/refused").status_code == 404


def test_a_change_naming_an_unknown_record_changes_nothing(admin: httpx.Client) -> None:
    read = admin.get("/services/gp-visit")
    refused = admin.patch(
        "/services/gp-visit",
        json={"name": "Renamed", "form_templates": ["medical-intake", "ghost"]},
        headers=if_match(read),
    )
    assert (refused.status_code, refused.json()["field"]) == (422, "form_templates")
    assert admin.get("/services/gp-visit").json() == read.json()


def test_a_form_template_must_fit_what_the_service_asks_for(admin: httpx.Client) -> None:
    """medical-intake prints the insurance number: a service that never asks for it cannot."""
    refused = admin.post("/services", json=service("no-insurance", intake_fields=["address"]))
    assert refused.status_code == 422
    assert refused.json() == {
        "code": "invalid_input",
        "detail": "The form template 'medical-intake' uses fields a booking of this service "
        "does not have: client.date_of_birth, client.insurance_number. Ask for them in its "
        "intake_fields, or leave the template out.",
        "field": "form_templates",
    }
    read = admin.get("/services/gp-visit")
    dropped = admin.patch(
        "/services/gp-visit", json={"intake_fields": ["date_of_birth"]}, headers=if_match(read)
    )
    assert (dropped.status_code, dropped.json()["field"]) == (422, "intake_fields")
    assert "client.insurance_number" in dropped.json()["detail"]
    assert admin.get("/services/gp-visit").json() == read.json()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"duration_min": 0}, "duration_min"),
        ({"price": 80}, "price"),
        ({"price": "80.123"}, "price"),
        ({"currency": "eur"}, "currency"),
        ({"currency": "EURO"}, "currency"),
        ({"id": "Has Spaces"}, "id"),
        ({"name": ""}, "name"),
    ],
)
def test_malformed_fields_are_refused_one_by_one(
    admin: httpx.Client, fields: dict[str, Any], field: str
) -> None:
    refused = admin.post("/services", json=service("malformed", **fields))
    assert refused.status_code == 422
    assert [e["loc"] for e in refused.json()["detail"]] == [["body", field]]


def test_an_archived_document_kind_stays_where_it_was_but_cannot_be_added(
    admin: httpx.Client,
) -> None:
    admin.post("/document-kinds", json={"id": "old-card", "name": "Old card"})
    admin.post("/services", json=service("uses-old-card", required_documents=["old-card"]))
    kind = admin.get("/document-kinds/old-card")
    assert admin.delete("/document-kinds/old-card", headers=if_match(kind)).status_code == 200

    kept = admin.get("/services/uses-old-card")
    renamed = admin.patch("/services/uses-old-card", json={"name": "Kept"}, headers=if_match(kept))
    assert renamed.status_code == 200, renamed.text
    refused = admin.post("/services", json=service("new-old-card", required_documents=["old-card"]))
    assert refused.status_code == 422
    assert refused.json()["detail"] == (
        "The document kind 'old-card' is archived; restore it before using it."
    )


def test_a_change_from_an_old_version_is_refused_and_changes_nothing(admin: httpx.Client) -> None:
    admin.post("/services", json=service("contested"))
    read = admin.get("/services/contested")
    assert admin.patch("/services/contested", json={"price": "1.00"}, headers=if_match(read))
    late = admin.patch("/services/contested", json={"price": "2.00"}, headers=if_match(read))
    assert (late.status_code, late.json()["code"]) == (412, "stale_version")
    late_archive = admin.delete("/services/contested", headers=if_match(read))
    assert late_archive.status_code == 412
    now = admin.get("/services/contested").json()
    assert (now["price"], now["archived"], now["version"]) == ("1.00", False, 2)


def test_a_taken_id_and_an_unknown_one_get_reasons(admin: httpx.Client) -> None:
    again = admin.post("/services", json=service("gp-visit"))
    assert (again.status_code, again.json()["detail"]) == (
        409,
        "A service with id 'gp-visit' already exists.",
    )
    missing = admin.get("/services/nowhere")
    assert (missing.status_code, missing.json()["detail"]) == (404, "No service 'nowhere'.")


def test_providers_read_services_but_only_admins_change_them(
    server: LiveServer, provider: httpx.Client
) -> None:
    assert provider.get("/services").json()["total"] >= 12
    read = provider.get("/services/gp-visit")
    assert read.status_code == 200
    for refused in (
        provider.post("/services", json=service("mine")),
        provider.patch("/services/gp-visit", json={"price": "1.00"}, headers=if_match(read)),
        provider.delete("/services/gp-visit", headers=if_match(read)),
    ):
        assert (refused.status_code, refused.json()["detail"]) == (
            403,
            "Only an admin may do that.",
        )
    with api_client(server, None) as anonymous:
        assert anonymous.get("/services").status_code == 401
        assert anonymous.get("/services/gp-visit").status_code == 401
    assert provider.get("/services/gp-visit").json() == read.json()


def test_an_admin_manages_document_kinds_like_categories(
    admin: httpx.Client, provider: httpx.Client
) -> None:
    created = admin.post("/document-kinds", json={"id": "visa", "name": "Visa"})
    assert created.status_code == 201, created.text
    assert created.json() == {"id": "visa", "name": "Visa", "archived": False, "version": 1}
    renamed = admin.patch(
        "/document-kinds/visa", json={"name": "Visa or residence permit"}, headers=if_match(created)
    )
    assert (renamed.json()["name"], renamed.headers["ETag"]) == ("Visa or residence permit", '"2"')
    stale = admin.patch("/document-kinds/visa", json={"name": "Late"}, headers=if_match(created))
    assert stale.status_code == 412
    archived = admin.delete("/document-kinds/visa", headers=if_match(renamed))
    assert archived.json()["archived"] is True
    assert "visa" not in ids(admin.get("/document-kinds", params={"limit": 200}))
    assert ids(admin.get("/document-kinds", params={"archived": True, "q": "visa"})) == ["visa"]
    assert "passport" in ids(provider.get("/document-kinds"))
    refused = provider.post("/document-kinds", json={"id": "mine", "name": "Mine"})
    assert refused.status_code == 403
    bad = admin.post("/document-kinds", json={"id": "x", "name": ""})
    assert [e["loc"] for e in bad.json()["detail"]] == [["body", "name"]]


def test_every_change_is_in_the_audit_log(server: LiveServer, admin: httpx.Client) -> None:
    created = admin.post("/services", json=service("audited"))
    admin.patch("/services/audited", json={"price": "9.00"}, headers=if_match(created))
    assert audit_actions(server, "audited") == ["service.created", "service.updated"]


def ids(response: httpx.Response) -> list[str]:
    return ids_of(response.json())


def ids_of(page: dict[str, Any]) -> list[str]:
    return [item["id"] for item in page["items"]]


def audit_actions(server: LiveServer, subject_id: str) -> list[str]:
    engine = create_engine(f"sqlite:///{server.log_path.parent / 'frontdesk.db'}")
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT action FROM audit_events WHERE subject_id = :id ORDER BY id"),
            {"id": subject_id},
        ).all()
    engine.dispose()
    return [row[0] for row in rows]
