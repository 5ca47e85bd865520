"""Services (what a client books: duration, price, paperwork), managed by admins."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlmodel import col, select

from domain.actors import Actor
from domain.clients import PROFILE_FIELD
from domain.editing import add_new, change
from domain.errors import InvalidInput, NotFound
from domain.models import Category, DocumentKind, DocumentTemplate, Service
from domain.paging import page_of
from domain.references import require_distinct, require_known
from domain.uow import UnitOfWork
from domain.versioning import locked_row

WHAT = "service"
REFERENCES = ("category_id", "required_documents", "form_templates")


def page_services(
    *,
    uow: UnitOfWork,
    category_id: str | None,
    archived: bool | None,
    search: str | None,
    limit: int,
    offset: int,
) -> tuple[list[Service], int]:
    """Return a page of services by id, filtered by category, archived state and name."""
    query = select(Service).order_by(col(Service.id))
    if category_id is not None:
        query = query.where(col(Service.category_id) == category_id)
    if archived is not None:
        query = query.where(col(Service.archived).is_(archived))
    if search:
        query = query.where(col(Service.name).icontains(search, autoescape=True))
    with uow.reading() as reader:
        return page_of(reader.session, query, limit=limit, offset=offset)


def get_service(*, uow: UnitOfWork, service_id: str) -> Service:
    with uow.reading() as reader:
        service = reader.session.get(Service, service_id)
    if service is None:
        raise NotFound(f"No service '{service_id}'.")
    return service


def create_service(*, uow: UnitOfWork, actor: Actor, service: Service) -> Service:
    """Add a service whose category, document kinds and form templates all exist."""
    with uow:
        _check_references(uow, service.model_dump(include=set(REFERENCES)), before={})
        require_intake_fields(service.intake_fields)
        add_new(uow, actor=actor, row=service, what=WHAT, subject=WHAT)
        uow.commit()
    return service


def update_service(
    *,
    uow: UnitOfWork,
    actor: Actor,
    service_id: str,
    expected_version: int,
    changes: dict[str, Any],
) -> Service:
    """Change, archive or restore a service as of the version the admin read."""
    with uow:
        current = locked_row(uow, Service, service_id, what=WHAT)
        before = current.model_dump(include=set(REFERENCES))
        service = change(
            uow,
            actor=actor,
            model=Service,
            row_id=service_id,
            expected_version=expected_version,
            changes=changes,
            what=WHAT,
            subject=WHAT,
        )
        _check_references(uow, changes, before=before)
        require_intake_fields(service.intake_fields)
        uow.commit()
    return service


def require_intake_fields(fields: list[str]) -> None:
    """Refuse intake fields that could not be profile fields, where the answers are kept."""
    for field in fields:
        if not PROFILE_FIELD.match(field):
            raise InvalidInput(
                f"{field!r} is not a profile field name (lowercase letters, digits, _).",
                field="intake_fields",
            )
    require_distinct(fields, field="intake_fields")


def _check_references(
    uow: UnitOfWork, fields: Mapping[str, Any], *, before: Mapping[str, Any]
) -> None:
    """Refuse references to rows that do not exist (or newly to archived ones)."""
    if fields.get("category_id") is not None:
        require_known(
            uow,
            model=Category,
            ids=[fields["category_id"]],
            field="category_id",
            what="category",
            kept=[before["category_id"]] if before.get("category_id") else [],
        )
    if "required_documents" in fields:
        require_known(
            uow,
            model=DocumentKind,
            ids=fields["required_documents"],
            field="required_documents",
            what="document kind",
            kept=before.get("required_documents", []),
        )
    if "form_templates" in fields:
        require_known(
            uow,
            model=DocumentTemplate,
            ids=fields["form_templates"],
            field="form_templates",
            what="form template",
            kept=before.get("form_templates", []),
        )
