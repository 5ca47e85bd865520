"""Staff reading clients' documents: what was asked for, what was sent, the forms made.

Admins see all of them. A provider sees only those for their own bookings: a client who also
booked someone else sent that person's documents to them, not to every provider they ever
saw. A file linked to no booking (nor to a request of one) is the admins' alone. Every
single read is audited: a download, and the details of one file or form.
"""

from __future__ import annotations

from typing import Literal, cast

from sqlalchemy import ColumnElement, and_, or_
from sqlalchemy.orm import QueryableAttribute, defer
from sqlmodel import col, select
from sqlmodel.sql.expression import SelectOfScalar

from domain.documents.sealing import DocumentKey, unseal
from domain.kernel.errors import NotFound
from domain.kernel.journal import audit
from domain.kernel.keyring import Keyring
from domain.kernel.paging import page_of
from domain.kernel.uow import UnitOfWork
from domain.models import Booking, DocumentRequest, GeneratedForm, StaffUser, UploadedDocument
from domain.staff.access import own_provider, staff_actor

# Lists and metadata never load the files themselves, which may be megabytes each.
_WITHOUT_CIPHERTEXT = defer(cast("QueryableAttribute[bytes]", UploadedDocument.ciphertext))
_WITHOUT_FORM_CONTENT = defer(cast("QueryableAttribute[bytes]", GeneratedForm.content))
# How a file or form was read, as the audit log names it: only a download loads the content.
Read = Literal["details_read", "downloaded"]


def _their_bookings(provider_id: str) -> SelectOfScalar[str]:
    return select(Booking.id).where(col(Booking.provider_id) == provider_id)


def _upload_is_theirs(provider_id: str) -> ColumnElement[bool]:
    """A file sent for one of the provider's bookings, or (linked to none) for a request of one."""
    their_requests = select(DocumentRequest.id).where(
        col(DocumentRequest.booking_id).in_(_their_bookings(provider_id))
    )
    return or_(
        col(UploadedDocument.booking_id).in_(_their_bookings(provider_id)),
        and_(
            col(UploadedDocument.booking_id).is_(None),
            col(UploadedDocument.request_id).in_(their_requests),
        ),
    )


def page_uploads(
    *,
    uow: UnitOfWork,
    staff: StaffUser,
    client_id: str | None,
    booking_id: str | None,
    request_id: str | None,
    kind_id: str | None,
    limit: int,
    offset: int,
) -> tuple[list[UploadedDocument], int]:
    """Return a page of the files clients sent, newest first, without their content."""
    query = select(UploadedDocument).options(_WITHOUT_CIPHERTEXT)
    for column, wanted in (
        (UploadedDocument.client_id, client_id),
        (UploadedDocument.booking_id, booking_id),
        (UploadedDocument.request_id, request_id),
        (UploadedDocument.kind_id, kind_id),
    ):
        if wanted is not None:
            query = query.where(col(column) == wanted)
    limit_to = own_provider(staff)
    if limit_to is not None:
        query = query.where(_upload_is_theirs(limit_to))
    query = query.order_by(col(UploadedDocument.created_at).desc(), col(UploadedDocument.id))
    with uow.reading() as reader:
        return page_of(reader.session, query, limit=limit, offset=offset)


def get_upload(*, uow: UnitOfWork, staff: StaffUser, document_id: str) -> UploadedDocument:
    """Return one sent file's details (not its content); the read is audited."""
    with uow:
        document = _audited_upload(uow, staff, document_id, action="details_read")
        uow.commit()
        return document


def read_upload(
    *, uow: UnitOfWork, key: DocumentKey | Keyring, staff: StaffUser, document_id: str
) -> tuple[UploadedDocument, bytes]:
    """Return a sent file with its decrypted content; the download is audited."""
    with uow:
        document = _audited_upload(uow, staff, document_id, action="downloaded")
        content = unseal(
            key, document.ciphertext, document_id=document.id, client_id=document.client_id
        )
        uow.commit()
        return document, content


def _audited_upload(
    uow: UnitOfWork, staff: StaffUser, document_id: str, *, action: Read
) -> UploadedDocument:
    """The file if this staff member may see it, its read written to the audit log."""
    options = [] if action == "downloaded" else [_WITHOUT_CIPHERTEXT]
    document = uow.session.get(UploadedDocument, document_id, options=options)
    limit_to = own_provider(staff)
    # Another provider's file is refused as unknown: nothing about it is given away.
    if document is None or (
        limit_to is not None and not _upload_visible_to(uow, document_id, limit_to)
    ):
        raise NotFound(f"No document '{document_id}'.")
    audit(
        uow,
        actor=staff_actor(staff),
        action=f"document.{action}",
        subject_type="document",
        subject_id=document.id,
        details={"client_id": document.client_id, "booking_id": document.booking_id},
    )
    return document


def _upload_visible_to(uow: UnitOfWork, document_id: str, provider_id: str) -> bool:
    query = select(UploadedDocument.id).where(
        col(UploadedDocument.id) == document_id, _upload_is_theirs(provider_id)
    )
    return uow.session.exec(query).first() is not None


def page_document_requests(
    *,
    uow: UnitOfWork,
    staff: StaffUser,
    booking_id: str | None,
    client_id: str | None,
    status: str | None,
    limit: int,
    offset: int,
) -> tuple[list[DocumentRequest], int]:
    """Return a page of the documents asked of clients, newest first."""
    query = select(DocumentRequest)
    for column, wanted in (
        (DocumentRequest.booking_id, booking_id),
        (DocumentRequest.client_id, client_id),
        (DocumentRequest.status, status),
    ):
        if wanted is not None:
            query = query.where(col(column) == wanted)
    limit_to = own_provider(staff)
    if limit_to is not None:
        query = query.where(col(DocumentRequest.booking_id).in_(_their_bookings(limit_to)))
    query = query.order_by(col(DocumentRequest.created_at).desc(), col(DocumentRequest.id))
    with uow.reading() as reader:
        return page_of(reader.session, query, limit=limit, offset=offset)


def page_forms(
    *,
    uow: UnitOfWork,
    staff: StaffUser,
    booking_id: str | None,
    client_id: str | None,
    limit: int,
    offset: int,
) -> tuple[list[GeneratedForm], int]:
    """Return a page of the forms generated for bookings, newest first, without their content."""
    query: SelectOfScalar[GeneratedForm] = (
        select(GeneratedForm)
        .options(_WITHOUT_FORM_CONTENT)
        .join(Booking, col(Booking.id) == col(GeneratedForm.booking_id))
    )
    if booking_id is not None:
        query = query.where(col(GeneratedForm.booking_id) == booking_id)
    if client_id is not None:
        query = query.where(col(Booking.client_id) == client_id)
    limit_to = own_provider(staff)
    if limit_to is not None:
        query = query.where(col(Booking.provider_id) == limit_to)
    query = query.order_by(col(GeneratedForm.created_at).desc(), col(GeneratedForm.id))
    with uow.reading() as reader:
        return page_of(reader.session, query, limit=limit, offset=offset)


def get_form(*, uow: UnitOfWork, staff: StaffUser, form_id: str) -> GeneratedForm:
    """Return one generated form's details (not its content); the read is audited."""
    with uow:
        form = _audited_form(uow, staff, form_id, action="details_read")
        uow.commit()
        return form


def read_form(*, uow: UnitOfWork, staff: StaffUser, form_id: str) -> GeneratedForm:
    """Return a generated form with its .docx bytes; the download is audited."""
    with uow:
        form = _audited_form(uow, staff, form_id, action="downloaded")
        uow.commit()
        return form


def _audited_form(
    uow: UnitOfWork, staff: StaffUser, form_id: str, *, action: Read
) -> GeneratedForm:
    """The form if this staff member may see it, its read written to the audit log."""
    options = [] if action == "downloaded" else [_WITHOUT_FORM_CONTENT]
    form = uow.session.get(GeneratedForm, form_id, options=options)
    limit_to = own_provider(staff)
    if form is None or (
        limit_to is not None
        and uow.session.get_one(Booking, form.booking_id).provider_id != limit_to
    ):
        raise NotFound(f"No form '{form_id}'.")
    audit(
        uow,
        actor=staff_actor(staff),
        action=f"form.{action}",
        subject_type="form",
        subject_id=form.id,
        details={"booking_id": form.booking_id},
    )
    return form
