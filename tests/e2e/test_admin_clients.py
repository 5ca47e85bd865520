"""Staff find, read and correct clients over REST; providers only those who booked with them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text

from testkit.api_client import api_client, if_match
from testkit.live import LiveServer, live_server
from testkit.stored import identities_of

# Who booked with Dr. Hoffmann in the demo world.
HOFFMANNS_CLIENTS = {
    "claudia-weiss",
    "elena-popescu",
    "henrik-lange",
    "lukas-meyer",
    "markus-wolf",
    "niklas-schroeder",
}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with live_server(tmp_path_factory.mktemp("clients") / "data") as running:
        yield running


def query(server: LiveServer, sql: str, **params: str) -> list[tuple[Any, ...]]:
    engine = create_engine(f"sqlite:///{server.log_path.parent / 'frontdesk.db'}")
    with engine.connect() as connection:
        rows = [tuple(row) for row in connection.execute(text(sql), params)]
    engine.dispose()
    return rows


def new_client(admin: httpx.Client, name: str, phone: str, **more: Any) -> dict[str, Any]:
    created = admin.post("/clients", json={"name": name, "phone": phone, **more})
    assert created.status_code == 201, created.text
    body: dict[str, Any] = created.json()
    return body


class TestFinding:
    def test_clients_are_found_by_part_of_their_name_or_their_whole_phone_or_email(
        self, admin: httpx.Client
    ) -> None:
        # Phone and email are sealed at rest: their blind indexes answer equality only.
        for q in ("schmidt", "0151 23847716", "+4915123847716", "Lena.Schmidt@example.com"):
            found = admin.get("/clients", params={"q": q}).json()
            assert [c["id"] for c in found["items"]] == ["lena-schmidt"], q
        for q in ("15123847", "lena.schmidt@"):
            assert admin.get("/clients", params={"q": q}).json()["items"] == [], q
        listed = admin.get("/clients", params={"q": "schmidt"}).json()["items"][0]
        # The profile (birth date, insurance number) is only in the audited read of one client.
        assert set(listed) == {"id", "name", "phone", "email", "version"}

    def test_lists_come_in_pages_with_the_total(self, admin: httpx.Client) -> None:
        for n in range(3):
            new_client(admin, f"Paged Person {n}", f"+49170000000{n}")
        first = admin.get("/clients", params={"q": "paged person", "limit": 2}).json()
        rest = admin.get("/clients", params={"q": "paged person", "limit": 2, "offset": 2}).json()
        assert first["total"] == rest["total"] == 3
        names = [c["name"] for c in first["items"] + rest["items"]]
        assert names == ["Paged Person 0", "Paged Person 1", "Paged Person 2"]
        assert admin.get("/clients", params={"limit": 0}).status_code == 422


class TestReading:
    def test_reading_a_client_shows_the_profile_and_is_audited(
        self, server: LiveServer, admin: httpx.Client
    ) -> None:
        read = admin.get("/clients/markus-wolf")
        assert read.status_code == 200
        assert read.headers["ETag"] == '"1"'
        assert read.json()["profile"] == {
            "date_of_birth": "1975-09-02",
            "insurance_number": "W837261540",
        }
        audited = query(
            server,
            "SELECT actor_kind FROM audit_events"
            " WHERE action = 'client.profile_read' AND subject_id = 'markus-wolf'",
        )
        assert audited == [("staff",)]

    def test_an_unknown_client_is_not_found(self, admin: httpx.Client) -> None:
        missing = admin.get("/clients/nobody")
        assert (missing.status_code, missing.json()["detail"]) == (404, "No client 'nobody'.")


class TestRegistering:
    def test_a_client_on_the_phone_is_registered_once_for_one_request_key(
        self, server: LiveServer, admin: httpx.Client
    ) -> None:
        body = {
            "name": "Greta Anruf",
            "phone": "+49 (170) 555-0101",
            "email": "Greta@Example.com",
            "profile": {"date_of_birth": "1980-02-03"},
        }
        key = {"Idempotency-Key": "greta-1"}
        created = admin.post("/clients", json=body, headers=key)
        again = admin.post("/clients", json=body, headers=key)
        assert created.status_code == again.status_code == 201
        assert created.json()["id"] == again.json()["id"]
        assert created.headers["ETag"] == '"1"'
        stored = {k: created.json()[k] for k in ("phone", "email", "profile")}
        assert stored == {
            "phone": "+491705550101",
            "email": "greta@example.com",
            "profile": {"date_of_birth": "1980-02-03"},
        }
        assert query(server, "SELECT count(*) FROM clients WHERE name = 'Greta Anruf'") == [(1,)]
        identities = identities_of(server, created.json()["id"])
        assert identities == [("email", "greta@example.com"), ("sms", "+491705550101")]

    def test_a_phone_number_another_client_has_is_refused(self, admin: httpx.Client) -> None:
        taken = admin.post("/clients", json={"name": "Not Lena", "phone": "+4915123847716"})
        assert (taken.status_code, taken.json()["detail"]) == (
            409,
            "A client with this phone number already exists.",
        )


class TestCorrecting:
    def test_name_contacts_and_profile_are_corrected_from_the_version_read(
        self, server: LiveServer, admin: httpx.Client
    ) -> None:
        client = new_client(
            admin, "Hanna Alt", "+491705550201", profile={"address": "Alte Strasse 1"}
        )
        read = admin.get(f"/clients/{client['id']}")
        changed = admin.patch(
            f"/clients/{client['id']}",
            json={
                "name": "Hanna Neu",
                "phone": "+49 170 5550202",
                "email": "hanna@example.com",
                "profile": {"address": None, "insurance_number": "H12345"},
            },
            headers=if_match(read),
        )
        assert changed.status_code == 200, changed.text
        assert changed.headers["ETag"] == '"2"'
        assert {k: changed.json()[k] for k in ("name", "phone", "email", "profile")} == {
            "name": "Hanna Neu",
            "phone": "+491705550202",
            "email": "hanna@example.com",
            "profile": {"insurance_number": "H12345"},
        }
        # The SMS identity moved with the number: the old one no longer leads to her.
        identities = identities_of(server, client["id"])
        assert identities == [("email", "hanna@example.com"), ("sms", "+491705550202")]
        audited = query(
            server,
            "SELECT details FROM audit_events WHERE action = 'client.updated' AND subject_id = :id",
            id=client["id"],
        )
        assert audited == [('{"fields": ["email", "name", "phone", "profile"]}',)]

    def test_a_change_from_an_old_version_is_refused_and_changes_nothing(
        self, admin: httpx.Client
    ) -> None:
        client = new_client(admin, "Stale Stefan", "+491705550301")
        read = admin.get(f"/clients/{client['id']}")
        first = admin.patch(
            f"/clients/{client['id']}", json={"name": "Fresh Stefan"}, headers=if_match(read)
        )
        assert first.status_code == 200
        late = admin.patch(
            f"/clients/{client['id']}", json={"name": "Late Stefan"}, headers=if_match(read)
        )
        assert (late.status_code, late.json()["code"]) == (412, "stale_version")
        blind = admin.patch(f"/clients/{client['id']}", json={"name": "Blind Stefan"})
        assert blind.status_code == 428
        assert admin.get(f"/clients/{client['id']}").json()["name"] == "Fresh Stefan"

    def test_taking_another_clients_phone_number_is_refused(self, admin: httpx.Client) -> None:
        client = new_client(admin, "Copy Cat", "+491705550401")
        read = admin.get(f"/clients/{client['id']}")
        refused = admin.patch(
            f"/clients/{client['id']}", json={"phone": "+4915123847716"}, headers=if_match(read)
        )
        assert (refused.status_code, refused.json()["detail"]) == (
            409,
            "Another client already has this phone number.",
        )
        assert admin.get(f"/clients/{client['id']}").json()["phone"] == "+491705550401"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "Bad Email", "email": "nobody-at-example"}, "email"),
        ({"name": "   "}, "name"),
        ({"name": "Bad Profile", "profile": {"Date Of Birth": "x"}}, "profile"),
        ({"name": "Bad Value", "profile": {"address": ["a", "list"]}}, "profile"),
    ],
)
def test_bad_input_is_refused_field_by_field(
    admin: httpx.Client, body: dict[str, Any], field: str
) -> None:
    refused = admin.post("/clients", json=body)
    assert refused.status_code == 422, refused.text
    assert {e["loc"][1] for e in refused.json()["detail"]} == {field}


class TestPhoneNumbersInThePracticesRegion:
    """The demo practice is in Berlin: its region is DE, so staff may type numbers nationally."""

    def test_a_national_number_is_stored_in_e164(
        self, server: LiveServer, admin: httpx.Client
    ) -> None:
        created = new_client(admin, "Ida National", "0170 555-0811")
        assert created["phone"] == "+491705550811"
        identities = identities_of(server, created["id"])
        assert identities == [("sms", "+491705550811")]

    def test_the_number_on_file_written_nationally_is_taken(self, admin: httpx.Client) -> None:
        taken = admin.post("/clients", json={"name": "Not Markus", "phone": "0170 34419208"})
        assert (taken.status_code, taken.json()["detail"]) == (
            409,
            "A client with this phone number already exists.",
        )

    @pytest.mark.parametrize("phone", ["call me maybe", "0170 123", "+49 151 123456789012345"])
    def test_a_phone_that_is_no_number_is_refused_saying_so(
        self, admin: httpx.Client, phone: str
    ) -> None:
        refused = admin.post("/clients", json={"name": "Bad Phone", "phone": phone})
        assert refused.status_code == 422, refused.text
        body = refused.json()
        assert (body["code"], body["field"]) == ("invalid_phone", "phone")
        assert "does not look like a phone number" in body["detail"]

    def test_a_correction_to_a_number_that_is_none_changes_nothing(
        self, admin: httpx.Client
    ) -> None:
        client = new_client(admin, "Jo Fixed", "+491705550812")
        read = admin.get(f"/clients/{client['id']}")
        refused = admin.patch(
            f"/clients/{client['id']}", json={"phone": "0170 12"}, headers=if_match(read)
        )
        assert (refused.status_code, refused.json()["field"]) == (422, "phone")
        moved = admin.patch(
            f"/clients/{client['id']}", json={"phone": "0170 555 0813"}, headers=if_match(read)
        )
        assert moved.json()["phone"] == "+491705550813"

    def test_a_number_typed_nationally_finds_the_client(self, admin: httpx.Client) -> None:
        found = admin.get("/clients", params={"q": "0170 34419208"}).json()
        assert [c["id"] for c in found["items"]] == ["markus-wolf"]

    def test_the_practice_says_its_region(self, provider: httpx.Client) -> None:
        practice = provider.get("/practice")
        assert practice.status_code == 200
        assert practice.json() == {
            "name": "Frontdesk practice",
            "timezone": "Europe/Berlin",
            "region": "DE",
            "phone_region": "DE",
        }

    def test_only_an_admin_sets_the_region(self, provider: httpx.Client) -> None:
        assert provider.patch("/practice", json={"region": "CA"}).status_code == 403

    def test_an_unknown_region_is_refused(self, admin: httpx.Client) -> None:
        refused = admin.patch("/practice", json={"region": "XX"})
        assert (refused.status_code, refused.json()["field"]) == (422, "region")
        assert admin.get("/practice").json()["region"] == "DE"

    def test_numbers_are_read_in_the_region_set(
        self, server: LiveServer, admin: httpx.Client
    ) -> None:
        try:
            moved = admin.patch("/practice", json={"region": "ca"})
            assert moved.json()["region"] == "CA"
            created = new_client(admin, "Jane Toronto", "(416) 555-0123")
            assert created["phone"] == "+14165550123"
            # Numbers on file are E.164 already: they do not move with the region.
            markus = admin.get("/clients/markus-wolf").json()
            assert markus["phone"] == "+4917034419208"
            cleared = admin.patch("/practice", json={"region": None})
            assert cleared.json() == {
                "name": "Frontdesk practice",
                "timezone": "Europe/Berlin",
                "region": None,
                "phone_region": "DE",  # the time zone's country
            }
        finally:
            admin.patch("/practice", json={"region": "DE"})
        audited = query(
            server, "SELECT count(*) FROM audit_events WHERE action = 'practice.region_set'"
        )
        assert audited[0][0] >= 3


def test_a_null_name_is_refused_but_a_null_email_removes_it(admin: httpx.Client) -> None:
    client = new_client(admin, "Null Nora", "+491705550501", email="nora@example.com")
    read = admin.get(f"/clients/{client['id']}")
    nulled = admin.patch(f"/clients/{client['id']}", json={"name": None}, headers=if_match(read))
    assert nulled.status_code == 422
    assert "name cannot be null" in nulled.text
    removed = admin.patch(f"/clients/{client['id']}", json={"email": None}, headers=if_match(read))
    assert removed.status_code == 200
    assert removed.json()["email"] is None


class TestWhoMaySee:
    def test_a_provider_lists_only_clients_who_booked_with_them(
        self, provider: httpx.Client
    ) -> None:
        listed = provider.get("/clients", params={"limit": 200}).json()
        assert {c["id"] for c in listed["items"]} == HOFFMANNS_CLIENTS
        assert listed["total"] == len(HOFFMANNS_CLIENTS)

    def test_a_provider_reads_and_corrects_their_clients_and_no_one_else(
        self, provider: httpx.Client
    ) -> None:
        own = provider.get("/clients/elena-popescu")
        assert own.status_code == 200
        corrected = provider.patch(
            "/clients/elena-popescu",
            json={"profile": {"address": "Karl-Marx-Allee 1, 10178 Berlin"}},
            headers=if_match(own),
        )
        assert corrected.status_code == 200, corrected.text
        # Another provider's client is "not found", so a provider cannot probe who exists.
        for other in (provider.get("/clients/lena-schmidt"), provider.get("/clients/nobody")):
            assert (other.status_code, other.json()["code"]) == (404, "not_found")
        blind = provider.patch(
            "/clients/lena-schmidt", json={"name": "Changed"}, headers={"If-Match": '"1"'}
        )
        assert blind.status_code == 404

    def test_only_an_admin_changes_a_clients_phone_or_email(
        self, admin: httpx.Client, provider: httpx.Client
    ) -> None:
        # Whoever has the number can act as the client over SMS: a provider may not move it.
        own = provider.get("/clients/elena-popescu")
        for contact in ({"phone": "+491705550701"}, {"email": "mine@example.com"}):
            moved = provider.patch("/clients/elena-popescu", json=contact, headers=if_match(own))
            assert (moved.status_code, moved.json()["code"]) == (403, "forbidden")
            assert moved.json()["detail"].startswith("Only an admin may change a client's")
        kept = admin.get("/clients/elena-popescu").json()
        assert (kept["phone"], kept["email"], kept["version"]) == (
            own.json()["phone"],
            own.json()["email"],
            own.json()["version"],
        )

    def test_a_provider_is_not_told_whose_phone_number_it_is(
        self, provider: httpx.Client, admin: httpx.Client
    ) -> None:
        # Lena never booked with Dr. Hoffmann: whether her number is on file is not his to learn,
        # so a number on file and a free one get the same 201 (issue 16: no 409 to tell them).
        taken = provider.post("/clients", json={"name": "Not Lena", "phone": "+4915123847716"})
        free = provider.post("/clients", json={"name": "Someone", "phone": "+491705550602"})
        assert (taken.status_code, free.status_code) == (201, 201)
        assert set(taken.json()) == set(free.json())
        # The provider's client holds the number as a claim: it is still Lena's alone.
        assert admin.get("/clients/lena-schmidt").json()["phone"] == "+4915123847716"

    def test_a_provider_may_register_a_client_on_the_phone(self, provider: httpx.Client) -> None:
        created = provider.post("/clients", json={"name": "Phone Caller", "phone": "+491705550601"})
        assert created.status_code == 201

    def test_anonymous_callers_are_refused(self, server: LiveServer) -> None:
        with api_client(server, None) as anonymous:
            assert anonymous.get("/clients").status_code == 401
            assert anonymous.get("/clients/lena-schmidt").status_code == 401
            assert anonymous.post("/clients", json={"name": "X"}).status_code == 401
