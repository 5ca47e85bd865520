"""Storing the files clients send, on SQLite and PostgreSQL: sealed in the database, opened only
for staff allowed to see them, and only in the row they were sealed for."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text

from domain.actors import Actor, client_actor
from domain.bookings import cancel_booking, confirm_booking, hold_slot
from domain.documents import request_documents
from domain.errors import InvalidTransition, NotFound
from domain.models import Booking, StaffRole, StaffUser
from domain.sealing import DocumentKey, DocumentUnreadable
from domain.staff_documents import page_uploads, read_upload
from domain.uow import UnitOfWork
from domain.uploads import store_upload
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
