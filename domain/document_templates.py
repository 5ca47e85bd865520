"""Form templates (.docx) managed by admins: uploads checked against the fields a form has."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from domain.actors import Actor
from domain.editing import add_new, change
from domain.errors import InvalidInput, NotFound
from domain.forms import check_form_template, placeholders_of, template_document
from domain.models import DocumentTemplate, Service
from domain.paging import page_of
from domain.uow import UnitOfWork

WHAT = "document template"
SUBJECT = "document_template"


@dataclass(frozen=True)
class TemplateSummary:
    """A template with the fields it names, as admins see it."""

    id: str
    name: str
    archived: bool
    version: int
    size_bytes: int
    placeholders: list[str]


def page_document_templates(
    *, uow: UnitOfWork, archived: bool | None, search: str | None, limit: int, offset: int
) -> tuple[list[TemplateSummary], int]:
    """Return a page of templates by id, filtered by archived state and a name fragment."""
    query = select(DocumentTemplate).order_by(col(DocumentTemplate.id))
    if archived is not None:
        query = query.where(col(DocumentTemplate.archived).is_(archived))
    if search:
        query = query.where(col(DocumentTemplate.name).icontains(search, autoescape=True))
    with uow.reading() as reader:
        found, total = page_of(reader.session, query, limit=limit, offset=offset)
    return [_summary(t) for t in found], total


def get_document_template(*, uow: UnitOfWork, template_id: str) -> TemplateSummary:
    return _summary(_template(uow, template_id))


def document_template_content(*, uow: UnitOfWork, template_id: str) -> bytes:
    """Return the template as a .docx, as it was uploaded (or made from its paragraphs)."""
    return template_document(_template(uow, template_id))


def create_document_template(
    *, uow: UnitOfWork, actor: Actor, template_id: str, name: str, content: bytes
) -> TemplateSummary:
    """Add a template from an uploaded .docx, refused if it names a field a form lacks."""
    with uow:
        checked = check_form_template(content, intake_fields=_intake_fields(uow.session))
        template = DocumentTemplate(id=template_id, name=_name(name), docx=content)
        add_new(uow, actor=actor, row=template, what=WHAT, subject=SUBJECT)
        uow.commit()
    return _summary(template, checked.placeholders)


def replace_document_template_content(
    *, uow: UnitOfWork, actor: Actor, template_id: str, expected_version: int, content: bytes
) -> TemplateSummary:
    """Replace the template's .docx with a checked one, from the version the admin read."""
    with uow:
        checked = check_form_template(content, intake_fields=_intake_fields(uow.session))
        template = change(
            uow,
            actor=actor,
            model=DocumentTemplate,
            row_id=template_id,
            expected_version=expected_version,
            changes={"docx": content, "paragraphs": []},
            what=WHAT,
            subject=SUBJECT,
            action="content_replaced",
        )
        uow.commit()
    return _summary(template, checked.placeholders)


def update_document_template(
    *,
    uow: UnitOfWork,
    actor: Actor,
    template_id: str,
    expected_version: int,
    changes: dict[str, Any],
) -> TemplateSummary:
    """Rename, archive or restore a template, from the version the admin read."""
    if "name" in changes:
        changes = {**changes, "name": _name(changes["name"])}
    with uow:
        template = change(
            uow,
            actor=actor,
            model=DocumentTemplate,
            row_id=template_id,
            expected_version=expected_version,
            changes=changes,
            what=WHAT,
            subject=SUBJECT,
        )
        uow.commit()
    return _summary(template)


def preview_document_template(*, uow: UnitOfWork, template_id: str) -> bytes:
    """Return the saved template filled with a made-up client, booking, provider and service."""
    template = _template(uow, template_id)
    with uow.reading() as reader:
        intake_fields = _intake_fields(reader.session)
    return check_form_template(template_document(template), intake_fields=intake_fields).sample


def preview_upload(*, uow: UnitOfWork, content: bytes) -> bytes:
    """Check a .docx not saved yet as an upload would be; return it filled with sample data."""
    with uow.reading() as reader:
        intake_fields = _intake_fields(reader.session)
    return check_form_template(content, intake_fields=intake_fields).sample


def _template(uow: UnitOfWork, template_id: str) -> DocumentTemplate:
    with uow.reading() as reader:
        template = reader.session.get(DocumentTemplate, template_id)
    if template is None:
        raise NotFound(f"No {WHAT} '{template_id}'.")
    return template


def _intake_fields(session: Session) -> set[str]:
    """The fields services ask clients for: a form may name any of them on `client`."""
    return {field for fields in session.exec(select(Service.intake_fields)) for field in fields}


def _name(name: str) -> str:
    cleaned = " ".join(name.split())
    if not cleaned:
        raise InvalidInput("A template needs a name.", field="name")
    return cleaned


def _summary(template: DocumentTemplate, placeholders: list[str] | None = None) -> TemplateSummary:
    content = template_document(template)
    return TemplateSummary(
        id=template.id,
        name=template.name,
        archived=template.archived,
        version=template.version,
        size_bytes=len(content),
        placeholders=placeholders_of(content) if placeholders is None else placeholders,
    )
