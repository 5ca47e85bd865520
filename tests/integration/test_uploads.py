"""Storing the files clients send, on SQLite and PostgreSQL: sealed in the database, opened only
for staff allowed to see them, and only in the row they were sealed for."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text
from sqlmodel import col, select

from domain.booking.changes import cancel_booking
from domain.booking.confirmation import confirm_booking
from domain.booking.holds import hold_slot
from domain.documents.requests import generate_forms, request_documents
from domain.documents.sealing import DocumentKey, DocumentUnreadable, seal
from domain.documents.staff_access import (
    get_form,
    get_upload,
    page_document_requests,
    page_forms,
    page_uploads,
    read_form,
    read_upload,
)
from domain.documents.uploads import store_upload
from domain.kernel.actors import Actor, client_actor
from domain.kernel.errors import InvalidTransition, NotFound
from domain.kernel.uow import UnitOfWork
from domain.models import AuditEvent, Booking, StaffRole, StaffUser, UploadedDocument, new_id
from tests.support.sample_files import one_page_pdf

pytestmark = pytest.mark.usefixtures("sample_world")
BERLIN = ZoneInfo("Europe/Berlin")
ANA, TOM = client_actor("ana", "web"), client_actor("tom", "web")
KEY = DocumentKey(bytes(range(32)))
LIMIT = 1024 * 1024
SOME_TIME = datetime(2026, 3, 1, tzinfo=BERLIN)
ADMIN = StaffUser(
    id="admin-1", email="admin@x.org", name="Admin", role=StaffRole.ADMIN, created_at=SOME_TIME
)


def provider_account(provider_id: str) -> StaffUser:
    return StaffUser(
        id=f"staff-{provider_id}",
        email=f"{provider_id}@example.org",
        name=provider_id,
        role=StaffRole.PROVIDER,
        provider_id=provider_id,
        created_at=SOME_TIME,
    )


def confirmed_derm_booking(uow: UnitOfWork, actor: Actor, hour: int) -> Booking:
    assert actor.id is not None
    hold = hold_slot(
        uow=uow,
        actor=actor,
        client_id=actor.id,
        provider_id="dr-weber",
        service_id="derm-consult",
        start=datetime(2026, 3, 3, hour, 30, tzinfo=BERLIN),
        idempotency_key=f"{actor.id}-{hour}",
    )
    return confirm_booking(uow=uow, actor=actor, booking_id=hold.id)


def asked_of_ana(uow: UnitOfWork, hour: int = 14) -> str:
    booking = confirmed_derm_booking(uow, ANA, hour)
    (asked,) = request_documents(uow=uow, actor=ANA, booking_id=booking.id)
    return asked.id


def send(uow: UnitOfWork, actor: Actor, request_id: str, data: bytes) -> str:
    upload = store_upload(
        uow=uow,
        key=KEY,
        actor=actor,
        request_id=request_id,
        filename="card.pdf",
        data=data,
        channel="web",
        max_bytes=LIMIT,
    )
    return upload.document.id


def test_the_database_holds_only_ciphertext_and_staff_read_back_the_file(
    uow: UnitOfWork,
) -> None:
    scan = one_page_pdf("Ana's insurance card 4711")
    document_id = send(uow, ANA, asked_of_ana(uow), scan)
    with uow.engine.connect() as db:
        stored = db.execute(
            text("SELECT ciphertext FROM uploaded_documents WHERE id = :id"), {"id": document_id}
        ).scalar_one()
    assert b"4711" not in bytes(stored)
    document, content = read_upload(uow=uow, key=KEY, staff=ADMIN, document_id=document_id)
    assert content == scan
    assert (document.client_id, document.kind_id, document.content_type) == (
        "ana",
        "insurance_card",
        "application/pdf",
    )


def test_a_client_cannot_send_for_another_clients_request(uow: UnitOfWork) -> None:
    with pytest.raises(NotFound):
        send(uow, TOM, asked_of_ana(uow), one_page_pdf("Tom's"))


def test_a_cancelled_booking_takes_no_documents(uow: UnitOfWork) -> None:
    request_id = asked_of_ana(uow)
    with uow.reading() as reader:
        booking_id = reader.session.execute(
            text("SELECT booking_id FROM document_requests WHERE id = :id"), {"id": request_id}
        ).scalar_one()
    cancel_booking(uow=uow, actor=ANA, booking_id=booking_id)
    with pytest.raises(InvalidTransition):
        send(uow, ANA, request_id, one_page_pdf("too late"))


def test_a_provider_reads_only_their_own_clients_files(uow: UnitOfWork) -> None:
    document_id = send(uow, ANA, asked_of_ana(uow), one_page_pdf("for Dr. Weber"))
    _, content = read_upload(
        uow=uow, key=KEY, staff=provider_account("dr-weber"), document_id=document_id
    )
    assert content.startswith(b"%PDF-")
    stranger = provider_account("lawyer-brandt")  # Ana never booked with this one
    with pytest.raises(NotFound):
        read_upload(uow=uow, key=KEY, staff=stranger, document_id=document_id)
    listed, total = page_uploads(
        uow=uow,
        staff=stranger,
        client_id="ana",
        booking_id=None,
        request_id=None,
        kind_id=None,
        limit=50,
        offset=0,
    )
    assert (listed, total) == ([], 0)


def test_a_ciphertext_copied_into_another_row_does_not_open(uow: UnitOfWork) -> None:
    first = send(uow, ANA, asked_of_ana(uow, hour=14), one_page_pdf("first"))
    second = send(uow, ANA, asked_of_ana(uow, hour=15), one_page_pdf("second"))
    with uow.engine.begin() as db:
        db.execute(
            text(
                "UPDATE uploaded_documents SET ciphertext ="
                " (SELECT ciphertext FROM uploaded_documents WHERE id = :first) WHERE id = :second"
            ),
            {"first": first, "second": second},
        )
    with pytest.raises(DocumentUnreadable):
        read_upload(uow=uow, key=KEY, staff=ADMIN, document_id=second)


@dataclass(frozen=True)
class Matter:
    """One of Ana's bookings with what was asked for it, sent for it and made for it."""

    booking_id: str
    request_id: str
    document_id: str
    form_id: str


def ana_sees(uow: UnitOfWork, provider_id: str, service_id: str, start: datetime) -> Matter:
    hold = hold_slot(
        uow=uow,
        actor=ANA,
        client_id="ana",
        provider_id=provider_id,
        service_id=service_id,
        start=start,
        idempotency_key=f"ana-{provider_id}",
        intake={"address": "Torstrasse 1, Berlin"},  # the lawyer asks; her profile lacks it
    )
    booking = confirm_booking(uow=uow, actor=ANA, booking_id=hold.id)
    (asked,) = request_documents(uow=uow, actor=ANA, booking_id=booking.id)
    (form,) = generate_forms(uow=uow, actor=ANA, booking_id=booking.id)
    document_id = send(uow, ANA, asked.id, one_page_pdf(f"for {provider_id}"))
    return Matter(booking.id, asked.id, document_id, form.id)


@pytest.fixture
def dermatology(uow: UnitOfWork) -> Matter:
    return ana_sees(uow, "dr-weber", "derm-consult", datetime(2026, 3, 3, 14, 30, tzinfo=BERLIN))


@pytest.fixture
def family_law(uow: UnitOfWork) -> Matter:
    return ana_sees(
        uow, "lawyer-brandt", "family-law-consult", datetime(2026, 3, 3, 10, 0, tzinfo=BERLIN)
    )


def everything_listed(uow: UnitOfWork, staff: StaffUser) -> set[str]:
    """The ids of every upload, request and form this staff member finds listed for Ana."""
    uploads, _ = page_uploads(
        uow=uow,
        staff=staff,
        client_id="ana",
        booking_id=None,
        request_id=None,
        kind_id=None,
        limit=50,
        offset=0,
    )
    requests, _ = page_document_requests(
        uow=uow, staff=staff, booking_id=None, client_id="ana", status=None, limit=50, offset=0
    )
    forms, _ = page_forms(
        uow=uow, staff=staff, booking_id=None, client_id="ana", limit=50, offset=0
    )
    return {u.id for u in uploads} | {r.id for r in requests} | {f.id for f in forms}


def opens(uow: UnitOfWork, staff: StaffUser, matter: Matter) -> list[str]:
    """Which of the matter's file and form this staff member may read, one way after another."""
    reads: dict[str, Callable[[], object]] = {
        "upload details": lambda: get_upload(uow=uow, staff=staff, document_id=matter.document_id),
        "upload content": lambda: read_upload(
            uow=uow, key=KEY, staff=staff, document_id=matter.document_id
        ),
        "form details": lambda: get_form(uow=uow, staff=staff, form_id=matter.form_id),
        "form content": lambda: read_form(uow=uow, staff=staff, form_id=matter.form_id),
    }
    opened = []
    for what, read in reads.items():
        try:
            read()
        except NotFound:
            continue
        opened.append(what)
    return opened


ALL_READS = ["upload details", "upload content", "form details", "form content"]


class TestEachProviderSeesTheirOwnBookingsDocuments:
    def test_lists_show_a_provider_only_what_belongs_to_their_bookings(
        self, uow: UnitOfWork, dermatology: Matter, family_law: Matter
    ) -> None:
        def ids(matter: Matter) -> set[str]:
            return {matter.request_id, matter.document_id, matter.form_id}

        assert everything_listed(uow, provider_account("dr-weber")) == ids(dermatology)
        assert everything_listed(uow, provider_account("lawyer-brandt")) == ids(family_law)
        assert everything_listed(uow, ADMIN) == ids(dermatology) | ids(family_law)

    def test_a_provider_cannot_open_what_a_client_sent_for_someone_else(
        self, uow: UnitOfWork, dermatology: Matter, family_law: Matter
    ) -> None:
        weber, brandt = provider_account("dr-weber"), provider_account("lawyer-brandt")
        assert opens(uow, weber, dermatology) == ALL_READS
        assert opens(uow, weber, family_law) == []
        assert opens(uow, brandt, family_law) == ALL_READS
        assert opens(uow, brandt, dermatology) == []

    def test_a_file_linked_to_no_booking_is_for_admins_only(
        self, uow: UnitOfWork, dermatology: Matter
    ) -> None:
        document_id = new_id()
        with uow:
            uow.session.add(
                UploadedDocument(
                    id=document_id,
                    client_id="ana",
                    filename="loose.pdf",
                    content_type="application/pdf",
                    size_bytes=5,
                    sha256="0" * 64,
                    ciphertext=seal(KEY, b"%PDF-", document_id=document_id, client_id="ana"),
                    created_at=uow.now(),
                )
            )
            uow.commit()
        weber = provider_account("dr-weber")  # Ana's dermatologist
        with pytest.raises(NotFound):
            get_upload(uow=uow, staff=weber, document_id=document_id)
        assert document_id not in everything_listed(uow, weber)
        assert get_upload(uow=uow, staff=ADMIN, document_id=document_id).id == document_id


class TestSingleReadsAreAudited:
    def test_reading_a_files_or_a_forms_details_is_audited(
        self, uow: UnitOfWork, dermatology: Matter
    ) -> None:
        weber = provider_account("dr-weber")
        get_upload(uow=uow, staff=weber, document_id=dermatology.document_id)
        get_form(uow=uow, staff=weber, form_id=dermatology.form_id)
        with uow.reading() as reader:
            events = reader.session.exec(
                select(AuditEvent).where(col(AuditEvent.action).endswith("details_read"))
            ).all()
        assert sorted((e.action, e.subject_id, e.actor_id) for e in events) == [
            ("document.details_read", dermatology.document_id, weber.id),
            ("form.details_read", dermatology.form_id, weber.id),
        ]

    def test_a_refused_read_leaves_no_trace(self, uow: UnitOfWork, family_law: Matter) -> None:
        with pytest.raises(NotFound):
            get_upload(
                uow=uow, staff=provider_account("dr-weber"), document_id=family_law.document_id
            )
        with uow.reading() as reader:
            read = reader.session.exec(
                select(AuditEvent).where(col(AuditEvent.action) == "document.details_read")
            ).all()
        assert read == []
