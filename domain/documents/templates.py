"""Form templates (.docx) managed by admins: uploads checked against the fields a form has."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import func
from sqlalchemy.orm import QueryableAttribute, defer
from sqlmodel import Session, col, select

from domain.catalog.items import CatalogItems, archived_and_named
from domain.documents.forms import (
    check_form_template,
    paragraphs_document,
    placeholders_of,
    template_document,
    unfillable,
)
from domain.kernel.editing import add_new, change
from domain.kernel.errors import InvalidInput
from domain.kernel.paging import page_of
from domain.kernel.uow import UnitOfWork
from domain.models import DocumentTemplate, Service, StaffUser
from domain.staff.access import require_admin, staff_actor

WHAT = "document template"
SUBJECT = "document_template"
TEMPLATES = CatalogItems(DocumentTemplate, what=WHAT, subject=SUBJECT)


@dataclass(frozen=True)
class TemplateSummary:
    """A template as lists show it, read without its .docx."""

    id: str
    name: str
    archived: bool
    version: int
    size_bytes: int


@dataclass(frozen=True)
class TemplateDetails(TemplateSummary):
    """A template with the fields it names, which takes reading its .docx."""

    placeholders: list[str]


def page_document_templates(
    *, uow: UnitOfWork, archived: bool | None, search: str | None, limit: int, offset: int
) -> tuple[list[TemplateSummary], int]:
    """Return a page of templates by id, filtered by archived state and a name fragment."""
    docx = cast("QueryableAttribute[bytes | None]", DocumentTemplate.docx)
    query = select(DocumentTemplate).options(defer(docx, raiseload=True))
    query = archived_and_named(
        query.order_by(col(DocumentTemplate.id)),
        DocumentTemplate,
        archived=archived,
        search=search,
    )
    with uow.reading() as reader:
        found, total = page_of(reader.session, query, limit=limit, offset=offset)
        ids = [template.id for template in found]
        sizes = dict(
            reader.session.exec(
                select(DocumentTemplate.id, func.length(docx)).where(
                    col(DocumentTemplate.id).in_(ids)
                )
            ).all()
        )
    return [_listed(template, sizes[template.id]) for template in found], total


def get_document_template(*, uow: UnitOfWork, template_id: str) -> TemplateDetails:
    return _details(TEMPLATES.get(uow=uow, item_id=template_id))


def document_template_content(*, uow: UnitOfWork, template_id: str) -> bytes:
    """Return the template as a .docx, as it was uploaded (or made from its paragraphs)."""
    return template_document(TEMPLATES.get(uow=uow, item_id=template_id))


def create_document_template(
    *, uow: UnitOfWork, staff: StaffUser, template_id: str, name: str, content: bytes
) -> TemplateDetails:
    """Add a template from an uploaded .docx, refused if it names a field a form lacks."""
    require_admin(staff)
    with uow:
        checked = check_form_template(content, intake_fields=_intake_fields(uow.session))
        template = DocumentTemplate(id=template_id, name=_name(name), docx=content)
        add_new(uow, actor=staff_actor(staff), row=template, what=WHAT, subject=SUBJECT)
        uow.commit()
    return _details(template, checked.placeholders)


def replace_document_template_content(
    *, uow: UnitOfWork, staff: StaffUser, template_id: str, expected_version: int, content: bytes
) -> TemplateDetails:
    """Replace the template's .docx with a checked one that fits the services using it."""
    require_admin(staff)
    with uow:
        checked = check_form_template(content, intake_fields=_intake_fields(uow.session))
        template = change(
            uow,
            actor=staff_actor(staff),
            model=DocumentTemplate,
            row_id=template_id,
            expected_version=expected_version,
            changes={"docx": content, "paragraphs": []},
            what=WHAT,
            subject=SUBJECT,
            action="content_replaced",
        )
        _require_fits_services(uow.session, template_id, checked.placeholders)
        uow.commit()
    return _details(template, checked.placeholders)


def update_document_template(
    *,
    uow: UnitOfWork,
    staff: StaffUser,
    template_id: str,
    expected_version: int,
    changes: dict[str, Any],
) -> TemplateDetails:
    """Rename, archive or restore a template, from the version the admin read."""
    require_admin(staff)
    if "name" in changes:
        changes = {**changes, "name": _name(changes["name"])}
    template = TEMPLATES.change(
        uow=uow,
        staff=staff,
        item_id=template_id,
        expected_version=expected_version,
        changes=changes,
    )
    return _details(template)


def preview_document_template(*, uow: UnitOfWork, template_id: str) -> bytes:
    """Return the saved template filled with a made-up client, booking, provider and service."""
    template = TEMPLATES.get(uow=uow, item_id=template_id)
    with uow.reading() as reader:
        intake_fields = _intake_fields(reader.session)
    return check_form_template(template_document(template), intake_fields=intake_fields).sample


def preview_upload(*, uow: UnitOfWork, staff: StaffUser, content: bytes) -> bytes:
    """Check a .docx not saved yet as an upload would be; return it filled with sample data."""
    require_admin(staff)
    with uow.reading() as reader:
        intake_fields = _intake_fields(reader.session)
    return check_form_template(content, intake_fields=intake_fields).sample


def _intake_fields(session: Session) -> set[str]:
    """The fields services ask clients for: a form may name any of them on `client`."""
    return {field for fields in session.exec(select(Service.intake_fields)) for field in fields}


def _require_fits_services(session: Session, template_id: str, placeholders: list[str]) -> None:
    """Refuse content naming a field a booking of a service using the template does not have."""
    for service in session.exec(select(Service).order_by(col(Service.id))):
        if template_id not in service.form_templates:
            continue
        missing = unfillable(placeholders, intake_fields=service.intake_fields)
        if missing:
            raise InvalidInput(
                f"The template '{template_id}' is a form of the service '{service.id}', whose "
                f"bookings do not have: {', '.join(missing)}. Ask for them in the service's "
                "intake_fields first, or take the template off it.",
                field="file",
            )


def _name(name: str) -> str:
    cleaned = " ".join(name.split())
    if not cleaned:
        raise InvalidInput("A template needs a name.", field="name")
    return cleaned


def _listed(template: DocumentTemplate, docx_bytes: int | None) -> TemplateSummary:
    """Summarise a template whose .docx was not read: its size comes from the database."""
    if docx_bytes is None:
        docx_bytes = len(paragraphs_document(tuple(template.paragraphs)))
    return TemplateSummary(
        id=template.id,
        name=template.name,
        archived=template.archived,
        version=template.version,
        size_bytes=docx_bytes,
    )


def _details(template: DocumentTemplate, placeholders: list[str] | None = None) -> TemplateDetails:
    content = template_document(template)
    return TemplateDetails(
        id=template.id,
        name=template.name,
        archived=template.archived,
        version=template.version,
        size_bytes=len(content),
        placeholders=placeholders_of(content) if placeholders is None else placeholders,
    )
