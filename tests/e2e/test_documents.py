"""Documents over real HTTP: a client sends what was asked for in the web chat, it is kept
encrypted, and staff download it through the API — their own clients' only, and audited."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text

from testkit.api_client import HOFFMANN, api_client
from testkit.chat_client import ChatClient, book_something
from testkit.live import LiveServer, live_server
from tests.support.sample_files import PLAIN_TEXT, WINDOWS_PROGRAM, one_page_pdf

# The dermatologist the demo world offers tomorrow morning, and a colleague who is not her.
LEHMANN = "dr-lehmann@demo.frontdesk"
MAX_UPLOAD_MB = 1
MEGABYTE = 1024 * 1024


@dataclass(frozen=True)
class Booked:
    """A client who booked in the web chat and was asked for their documents."""

    session: str
    booking_id: str
    conversation_id: str
    documents: list[dict[str, str]]  # as the chat showed them: request_id, kind_id, name, status

    def request_for(self, kind_id: str) -> str:
        return next(d["request_id"] for d in self.documents if d["kind_id"] == kind_id)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    data = tmp_path_factory.mktemp("documents") / "data"
    with live_server(data, env={"FRONTDESK_MAX_UPLOAD_MB": str(MAX_UPLOAD_MB)}) as running:
        yield running


@pytest.fixture(scope="module")
def lehmann(server: LiveServer) -> Iterator[httpx.Client]:
    with api_client(server, LEHMANN) as client:
        yield client


@pytest.fixture(scope="module")
def hoffmann(server: LiveServer) -> Iterator[httpx.Client]:
    with api_client(server, HOFFMANN) as client:
        yield client


def book(
    server: LiveServer,
    name: str,
    phone: str,
    seed: int,
    *,
    request: str = "I need a dermatologist tomorrow morning",
    session: str | None = None,
) -> Booked:
    with ChatClient(server.ws_url, session=session) as chat:
        card = book_something(
            chat, request=request, name=name, phone=phone, rng=random.Random(seed)
        )
    # Coming back to the chat shows the request again, from the transcript.
    with ChatClient(server.ws_url, session=chat.session) as again:
        history = again.hello["history"]
        conversation_id = again.hello["conversation_id"]
    asked = [entry["documents"] for entry in history if entry["documents"]][-1]
    return Booked(chat.session, card["booking_id"], conversation_id, asked)


@pytest.fixture(scope="module")
def client_a(server: LiveServer) -> Booked:
    return book(server, "Greta Upload", "+49 170 5550301", seed=3)


@pytest.fixture(scope="module")
def client_a_at_the_gp(server: LiveServer, client_a: Booked) -> Booked:
    """Greta again, in the same chat, seeing a GP: one client, a second provider."""
    return book(
        server,
        "Greta Upload",
        "+49 170 5550301",
        seed=5,
        request="I need a GP tomorrow morning",
        session=client_a.session,
    )


@pytest.fixture(scope="module")
def client_b(server: LiveServer) -> Booked:
    return book(server, "Hugo Otherperson", "+49 170 5550302", seed=4)


def send(
    server: LiveServer,
    session: str,
    request_id: str,
    content: bytes,
    filename: str = "insurance-card.pdf",
    content_type: str = "application/pdf",
) -> httpx.Response:
    return httpx.post(
        f"{server.base_url}/chat/uploads",
        data={"session": session, "request_id": request_id},
        files={"file": (filename, content, content_type)},
        timeout=30,
    )


def stored_files(server: LiveServer) -> list[Path]:
    """Every file the server keeps: the database, its write-ahead log, keys, checkpoints."""
    return [path for path in server.log_path.parent.rglob("*") if path.is_file()]


def database(server: LiveServer) -> str:
    return f"sqlite:///{server.log_path.parent / 'frontdesk.db'}"


def audited(server: LiveServer, action: str, subject_id: str) -> list[tuple[str, str]]:
    with create_engine(database(server)).connect() as db:
        rows = db.execute(
            text(
                "SELECT actor_kind, actor_id FROM audit_events"
                " WHERE action = :action AND subject_id = :subject ORDER BY id"
            ),
            {"action": action, "subject": subject_id},
        ).all()
    return [(kind, actor) for kind, actor in rows]


def staff_id(client: httpx.Client) -> str:
    me: dict[str, Any] = client.get("/auth/me").json()
    return str(me["id"])


class TestSendingARequestedDocument:
    def test_the_chat_offers_to_send_each_document_the_booking_needs(
        self, client_a: Booked
    ) -> None:
        assert [(d["kind_id"], d["status"]) for d in client_a.documents] == [
            ("insurance_card", "requested")
        ]
        assert client_a.documents[0]["name"]

    def test_a_sent_pdf_is_stored_encrypted_and_staff_download_exactly_what_was_sent(
        self, server: LiveServer, client_a: Booked, admin: httpx.Client, lehmann: httpx.Client
    ) -> None:
        marker = "Greta Upload insurance card 0815-4711"
        pdf = one_page_pdf(marker)
        request_id = client_a.request_for("insurance_card")

        sent = send(server, client_a.session, request_id, pdf, filename="Scan of my card.pdf")

        assert sent.status_code == 201, sent.text
        document = sent.json()
        assert document["request_id"] == request_id
        assert document["booking_id"] == client_a.booking_id
        assert (document["kind_id"], document["content_type"]) == (
            "insurance_card",
            "application/pdf",
        )
        assert (document["filename"], document["size_bytes"]) == ("Scan of my card.pdf", len(pdf))
        assert document["duplicate"] is False
        for path in stored_files(server):
            stored = path.read_bytes()
            assert marker.encode() not in stored, path
            assert pdf[:200] not in stored, path
        with create_engine(database(server)).connect() as db:
            sealed = db.execute(
                text("SELECT ciphertext FROM uploaded_documents WHERE id = :id"),
                {"id": document["id"]},
            ).scalar_one()
        assert len(sealed) == 12 + len(pdf) + 16  # nonce, ciphertext, tag

        for staff in (admin, lehmann):
            download = staff.get(f"/documents/{document['id']}/content")
            assert download.status_code == 200, download.text
            assert download.content == pdf
            assert download.headers["content-type"] == "application/pdf"
            assert "Scan of my card.pdf" in download.headers["content-disposition"]
            assert download.headers["cache-control"] == "no-store"
        assert audited(server, "document.downloaded", document["id"]) == [
            ("staff", staff_id(admin)),
            ("staff", staff_id(lehmann)),
        ]
        assert audited(server, "document.uploaded", document["id"])[0][0] == "client"

    def test_the_request_is_received_and_the_transcript_shows_the_file(
        self, server: LiveServer, client_a: Booked, admin: httpx.Client
    ) -> None:
        request_id = client_a.request_for("insurance_card")
        send(server, client_a.session, request_id, one_page_pdf("for the transcript"))

        requests = admin.get("/document-requests", params={"booking": client_a.booking_id})
        assert [(r["id"], r["status"]) for r in requests.json()["items"]] == [
            (request_id, "received")
        ]
        entries = admin.get(f"/conversations/{client_a.conversation_id}/entries").json()
        sent = [e for e in entries if (e["extra"] or {}).get("upload")]
        assert sent
        assert sent[-1]["author"] == "client"
        assert sent[-1]["extra"]["upload"]["request_id"] == request_id
        with ChatClient(server.ws_url, session=client_a.session) as chat:
            uploads = [e["upload"] for e in chat.hello["history"] if e["upload"]]
        assert uploads[-1]["request_id"] == request_id

    def test_the_same_file_sent_twice_is_kept_once(
        self, server: LiveServer, client_a: Booked, admin: httpx.Client
    ) -> None:
        request_id = client_a.request_for("insurance_card")
        pdf = one_page_pdf("sent twice by a double click")
        first = send(server, client_a.session, request_id, pdf)
        second = send(server, client_a.session, request_id, pdf)
        assert (first.status_code, second.status_code) == (201, 201)
        assert second.json()["id"] == first.json()["id"]
        assert second.json()["duplicate"] is True
        digest = hashlib.sha256(pdf).hexdigest()
        listed = admin.get("/documents", params={"request": request_id, "limit": 200}).json()
        assert [d["sha256"] for d in listed["items"]].count(digest) == 1


class TestRefusedFiles:
    def test_a_file_that_is_not_a_document_is_refused_whatever_its_name_says(
        self, server: LiveServer, client_a: Booked, admin: httpx.Client
    ) -> None:
        request_id = client_a.request_for("insurance_card")
        before = admin.get("/documents", params={"request": request_id}).json()["total"]
        for content in (PLAIN_TEXT, WINDOWS_PROGRAM):
            refused = send(server, client_a.session, request_id, content, "card.pdf")
            assert refused.status_code == 415, refused.text
            assert refused.json()["code"] == "unsupported_file_type"
            assert "PDF" in refused.json()["detail"]
        assert admin.get("/documents", params={"request": request_id}).json()["total"] == before

    def test_an_empty_file_is_refused(self, server: LiveServer, client_a: Booked) -> None:
        refused = send(server, client_a.session, client_a.request_for("insurance_card"), b"")
        assert refused.status_code == 422
        assert (refused.json()["field"], refused.json()["detail"]) == (
            "file",
            "That file is empty.",
        )

    @pytest.mark.parametrize(
        "size", [MAX_UPLOAD_MB * MEGABYTE + 1, 3 * MAX_UPLOAD_MB * MEGABYTE], ids=["just", "far"]
    )
    def test_a_file_over_the_size_limit_is_refused(
        self, server: LiveServer, client_a: Booked, size: int
    ) -> None:
        too_large = one_page_pdf("large") + b"\n%" + b"x" * size
        refused = send(server, client_a.session, client_a.request_for("insurance_card"), too_large)
        assert refused.status_code == 413, refused.text
        assert refused.json()["code"] == "file_too_large"
        assert f"{MAX_UPLOAD_MB} MB" in refused.json()["detail"]

    def test_a_client_cannot_send_for_someone_elses_request(
        self, server: LiveServer, client_a: Booked, client_b: Booked, admin: httpx.Client
    ) -> None:
        theirs = client_a.request_for("insurance_card")
        before = admin.get("/documents", params={"request": theirs}).json()["total"]
        refused = send(server, client_b.session, theirs, one_page_pdf("not my request"))
        assert refused.status_code == 404
        assert "No document request" in refused.json()["detail"]
        assert admin.get("/documents", params={"request": theirs}).json()["total"] == before

    def test_a_chat_that_booked_nothing_or_an_unknown_request_finds_nothing(
        self, server: LiveServer, client_a: Booked
    ) -> None:
        with ChatClient(server.ws_url) as stranger:
            visitor = stranger.session
        pdf = one_page_pdf("who am I")
        assert send(server, visitor, client_a.request_for("insurance_card"), pdf).status_code == 404
        assert send(server, client_a.session, "no-such-request", pdf).status_code == 404

    def test_a_malformed_upload_is_refused_per_field(
        self, server: LiveServer, client_a: Booked
    ) -> None:
        request_id = client_a.request_for("insurance_card")
        bad_session = send(server, "not-a-session", request_id, one_page_pdf("x"))
        assert (bad_session.status_code, bad_session.json()["field"]) == (422, "session")
        no_file = httpx.post(
            f"{server.base_url}/chat/uploads",
            data={"session": client_a.session, "request_id": request_id},
        )
        assert (no_file.status_code, no_file.json()["field"]) == (422, "file")


class TestStaffAccess:
    def test_a_provider_cannot_see_or_fetch_another_providers_clients_documents(
        self, server: LiveServer, client_a: Booked, hoffmann: httpx.Client, lehmann: httpx.Client
    ) -> None:
        sent = send(
            server,
            client_a.session,
            client_a.request_for("insurance_card"),
            one_page_pdf("private"),
        )
        document_id = sent.json()["id"]
        downloads_before = audited(server, "document.downloaded", document_id)

        assert hoffmann.get(f"/documents/{document_id}").status_code == 404
        refused = hoffmann.get(f"/documents/{document_id}/content")
        assert refused.status_code == 404
        assert client_a.booking_id not in refused.text
        mine = hoffmann.get("/documents", params={"booking": client_a.booking_id}).json()
        assert mine["total"] == 0
        asked = hoffmann.get("/document-requests", params={"booking": client_a.booking_id})
        assert asked.json()["total"] == 0
        assert audited(server, "document.downloaded", document_id) == downloads_before

        theirs = lehmann.get("/documents", params={"booking": client_a.booking_id}).json()
        assert document_id in [d["id"] for d in theirs["items"]]
        assert lehmann.get(f"/documents/{document_id}").json()["client_id"]
        # Reading one file's details is audited; the refused attempt above left no trace.
        assert audited(server, "document.details_read", document_id) == [
            ("staff", staff_id(lehmann))
        ]

    def test_a_provider_sees_only_what_a_client_sent_for_their_own_booking(
        self,
        server: LiveServer,
        admin: httpx.Client,
        lehmann: httpx.Client,
        client_a: Booked,
        client_a_at_the_gp: Booked,
    ) -> None:
        derm = admin.get(f"/bookings/{client_a.booking_id}").json()
        gp = admin.get(f"/bookings/{client_a_at_the_gp.booking_id}").json()
        assert gp["client_id"] == derm["client_id"]
        assert gp["provider_id"] != derm["provider_id"] == "dr-lehmann"
        sent = {
            booked.booking_id: send(
                server,
                booked.session,
                booked.request_for("insurance_card"),
                one_page_pdf(f"for booking {booked.booking_id}"),
            ).json()["id"]
            for booked in (client_a, client_a_at_the_gp)
        }
        forms = {
            booked.booking_id: admin.get("/forms", params={"booking": booked.booking_id}).json()[
                "items"
            ][0]["id"]
            for booked in (client_a, client_a_at_the_gp)
        }
        client = {"client": gp["client_id"], "limit": 200}

        with api_client(server, f"{gp['provider_id']}@demo.frontdesk") as general_practitioner:
            for staff, own, other in (
                (lehmann, client_a, client_a_at_the_gp),
                (general_practitioner, client_a_at_the_gp, client_a),
            ):
                for listing in ("/documents", "/document-requests", "/forms"):
                    found = staff.get(listing, params=client).json()["items"]
                    assert {item["booking_id"] for item in found} == {own.booking_id}, listing
                for path in (
                    f"/documents/{sent[other.booking_id]}",
                    f"/documents/{sent[other.booking_id]}/content",
                    f"/forms/{forms[other.booking_id]}",
                    f"/forms/{forms[other.booking_id]}/content",
                ):
                    assert staff.get(path).status_code == 404, path
                assert staff.get(f"/documents/{sent[own.booking_id]}").status_code == 200

    def test_anonymous_callers_are_refused(self, server: LiveServer, client_a: Booked) -> None:
        with api_client(server, None) as anonymous:
            for path in ("/documents", "/documents/x", "/documents/x/content"):
                assert anonymous.get(path).status_code == 401, path
            for path in ("/document-requests", "/forms", "/forms/x/content"):
                assert anonymous.get(path).status_code == 401, path

    def test_lists_come_in_pages_filtered_by_status(
        self, server: LiveServer, client_a: Booked, admin: httpx.Client
    ) -> None:
        request_id = client_a.request_for("insurance_card")
        for n in range(3):
            send(server, client_a.session, request_id, one_page_pdf(f"page {n}"))
        first = admin.get("/documents", params={"request": request_id, "limit": 2}).json()
        rest = admin.get("/documents", params={"request": request_id, "limit": 2, "offset": 2})
        assert first["total"] == rest.json()["total"] >= 3
        assert len(first["items"]) == 2
        assert not {d["id"] for d in first["items"]} & {d["id"] for d in rest.json()["items"]}
        received = admin.get("/document-requests", params={"status": "received"}).json()
        assert request_id in [r["id"] for r in received["items"]]
        assert admin.get("/document-requests", params={"status": "lost"}).status_code == 422
        assert admin.get("/documents", params={"limit": 0}).status_code == 422


class TestGeneratedForms:
    def test_staff_download_a_bookings_form_and_the_download_is_audited(
        self, server: LiveServer, client_a: Booked, lehmann: httpx.Client, hoffmann: httpx.Client
    ) -> None:
        (form,) = lehmann.get("/forms", params={"booking": client_a.booking_id}).json()["items"]
        assert form["filename"].endswith(".docx")
        assert lehmann.get(f"/forms/{form['id']}").json() == form

        download = lehmann.get(f"/forms/{form['id']}/content")

        assert download.status_code == 200
        assert download.content.startswith(b"PK")  # a .docx is a zip archive
        assert form["filename"] in download.headers["content-disposition"]
        assert audited(server, "form.downloaded", form["id"]) == [("staff", staff_id(lehmann))]
        assert audited(server, "form.details_read", form["id"]) == [("staff", staff_id(lehmann))]
        assert hoffmann.get("/forms", params={"booking": client_a.booking_id}).json()["total"] == 0
        assert hoffmann.get(f"/forms/{form['id']}/content").status_code == 404

    def test_the_clients_signed_link_still_serves_the_form(
        self, server: LiveServer, client_a: Booked
    ) -> None:
        with ChatClient(server.ws_url, session=client_a.session) as chat:
            cards = [e["card"] for e in chat.hello["history"] if e["card"]]
        (link,) = cards[-1]["forms"]
        assert httpx.get(server.base_url + link["url"]).status_code == 200
