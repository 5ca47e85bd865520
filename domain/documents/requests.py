"""After a booking: ask for the documents its service needs and generate its forms."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from sqlmodel import col, select

from domain.documents.forms import form_context, render_form
from domain.kernel.actors import Actor, acts_for
from domain.kernel.errors import InvalidTransition, NotFound
from domain.kernel.journal import audit, enqueue
from domain.kernel.uow import UnitOfWork
from domain.models import (
    Booking,
    BookingStatus,
    Client,
    DocumentKind,
    DocumentRequest,
    DocumentTemplate,
    GeneratedForm,
    Provider,
    Service,
)


def clients_booking(uow: UnitOfWork, actor: Actor, booking_id: str) -> Booking:
    """The booking papers are asked, made or sent for; another client's is "not found"."""
    booking = uow.session.get(Booking, booking_id)
    if booking is None or not acts_for(actor, booking.client_id):
        raise NotFound("No booking with that reference was found.")
    return booking


def _confirmed_booking(uow: UnitOfWork, actor: Actor, booking_id: str) -> Booking:
    booking = clients_booking(uow, actor, booking_id)
    if booking.status != BookingStatus.CONFIRMED:
        raise InvalidTransition("Documents and forms belong to confirmed bookings only.")
    return booking


@dataclass(frozen=True)
class RequestedDocument:
    id: str
    kind_id: str
    name: str
    status: str


def request_documents(*, uow: UnitOfWork, actor: Actor, booking_id: str) -> list[RequestedDocument]:
    """Ask the client for every document kind the service requires; asking twice asks once."""
    with uow:
        booking = _confirmed_booking(uow, actor, booking_id)
        service = uow.session.get_one(Service, booking.service_id)
        existing = {
            r.kind_id: r
            for r in uow.session.exec(
                select(DocumentRequest).where(col(DocumentRequest.booking_id) == booking.id)
            )
        }
        newly_asked: list[dict[str, str]] = []
        for kind_id in service.required_documents:
            if kind_id in existing:
                continue
            request = DocumentRequest(
                booking_id=booking.id,
                client_id=booking.client_id,
                kind_id=kind_id,
                created_at=uow.now(),
            )
            uow.session.add(request)
            existing[kind_id] = request
            kind = uow.session.get_one(DocumentKind, kind_id)
            audit(
                uow,
                actor=actor,
                action="document.requested",
                subject_type="booking",
                subject_id=booking.id,
                details={"kind": kind_id},
            )
            newly_asked.append({"kind": kind_id, "name": kind.name})
        if newly_asked:
            # One message naming every document asked for, not one message per document.
            enqueue(
                uow,
                event="documents.requested",
                subject_id=booking.id,
                payload={
                    "booking_id": booking.id,
                    "client_id": booking.client_id,
                    "documents": newly_asked,
                },
            )
        uow.commit()
        return [
            RequestedDocument(
                id=existing[k].id,
                kind_id=k,
                status=existing[k].status,
                name=uow.session.get_one(DocumentKind, k).name,
            )
            for k in service.required_documents
        ]


def generate_forms(*, uow: UnitOfWork, actor: Actor, booking_id: str) -> list[GeneratedForm]:
    """Fill every form template of the booking's service; generating twice keeps the first.

    An archived template is no longer filled for anyone, but forms made from it are kept.
    """
    with uow:
        booking = _confirmed_booking(uow, actor, booking_id)
        service = uow.session.get_one(Service, booking.service_id)
        existing = {
            f.template_id: f
            for f in uow.session.exec(
                select(GeneratedForm).where(col(GeneratedForm.booking_id) == booking.id)
            )
        }
        context = _form_context(uow, booking)
        for template_id in service.form_templates:
            if template_id in existing:
                continue
            template = uow.session.get_one(DocumentTemplate, template_id)
            if template.archived:
                continue
            form = GeneratedForm(
                booking_id=booking.id,
                template_id=template_id,
                filename=f"{template_id}-{booking.id[:8]}.docx",
                content=render_form(template, context),
                created_at=uow.now(),
            )
            uow.session.add(form)
            existing[template_id] = form
            audit(
                uow,
                actor=actor,
                action="form.generated",
                subject_type="booking",
                subject_id=booking.id,
                details={"template": template_id},
            )
        uow.commit()
        return [existing[t] for t in service.form_templates if t in existing]


def forms_named(
    *, uow: UnitOfWork, booking_id: str, filenames: Collection[str]
) -> list[GeneratedForm]:
    """Return the booking's generated forms that have these file names, by file name."""
    with uow.reading() as reader:
        return list(
            reader.session.exec(
                select(GeneratedForm)
                .where(
                    GeneratedForm.booking_id == booking_id,
                    col(GeneratedForm.filename).in_(sorted(filenames)),
                )
                .order_by(col(GeneratedForm.filename))
            )
        )


def _form_context(uow: UnitOfWork, booking: Booking) -> dict[str, Any]:
    return form_context(
        client=uow.session.get_one(Client, booking.client_id),
        booking=booking,
        service=uow.session.get_one(Service, booking.service_id),
        provider=uow.session.get_one(Provider, booking.provider_id),
    )
