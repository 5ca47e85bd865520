"""Which documents were asked for and which forms made: the form a signed link names, and the
ids and kinds an eval compares before and after a conversation."""

from __future__ import annotations

from sqlmodel import col, select

from domain.kernel.errors import NotFound
from domain.kernel.uow import UnitOfWork
from domain.models import Booking, DocumentRequest, GeneratedForm


def get_generated_form(*, uow: UnitOfWork, form_id: str) -> GeneratedForm:
    """Return a generated form with its content; the caller has proven the right to it."""
    with uow.reading() as reader:
        form = reader.session.get(GeneratedForm, form_id)
    if form is None:
        raise NotFound("No such form.")
    return form


def document_request_ids(*, uow: UnitOfWork) -> frozenset[str]:
    """Return the id of every document request, whoever it was made of."""
    with uow.reading() as reader:
        return frozenset(str(i) for i in reader.session.exec(select(DocumentRequest.id)))


def generated_form_ids(*, uow: UnitOfWork) -> frozenset[str]:
    """Return the id of every generated form, whoever it was made for."""
    with uow.reading() as reader:
        return frozenset(str(i) for i in reader.session.exec(select(GeneratedForm.id)))


def requested_kinds(*, uow: UnitOfWork, client_id: str) -> dict[str, str]:
    """Return the document kind of each request made of the client, by request id."""
    with uow.reading() as reader:
        rows = reader.session.exec(
            select(DocumentRequest.id, DocumentRequest.kind_id).where(
                col(DocumentRequest.client_id) == client_id
            )
        )
        return {str(request_id): kind for request_id, kind in rows}


def generated_templates(*, uow: UnitOfWork, client_id: str) -> dict[str, str]:
    """Return the template of each form generated for the client's bookings, by form id."""
    with uow.reading() as reader:
        rows = reader.session.exec(
            select(GeneratedForm.id, GeneratedForm.template_id)
            .join(Booking, col(Booking.id) == col(GeneratedForm.booking_id))
            .where(col(Booking.client_id) == client_id)
        )
        return {str(form_id): template for form_id, template in rows}
