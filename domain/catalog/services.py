"""Services (what a client books: duration, price, paperwork), managed by admins."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlmodel import col

from domain.catalog.items import CatalogItems
from domain.catalog.references import require_distinct, require_known
from domain.clients.registration import PROFILE_FIELD
from domain.documents.forms import placeholders_of, template_document, unfillable
from domain.kernel.editing import add_new, change
from domain.kernel.errors import InvalidInput
from domain.kernel.uow import UnitOfWork
from domain.kernel.versioning import locked_row
from domain.models import Category, DocumentKind, DocumentTemplate, Service, StaffUser
from domain.staff.access import require_admin, staff_actor

WHAT = "service"
REFERENCES = ("category_id", "required_documents", "form_templates")
SERVICES = CatalogItems(Service, what=WHAT, subject=WHAT)


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
    in_category = [] if category_id is None else [col(Service.category_id) == category_id]
    return SERVICES.page(
        uow=uow, archived=archived, search=search, limit=limit, offset=offset, where=in_category
    )


def get_service(*, uow: UnitOfWork, service_id: str) -> Service:
    return SERVICES.get(uow=uow, item_id=service_id)


def create_service(*, uow: UnitOfWork, staff: StaffUser, service: Service) -> Service:
    """Add a service whose category, document kinds and form templates exist and fit it."""
    require_admin(staff)
    with uow:
        _check_references(uow, service.model_dump(include=set(REFERENCES)), before={})
        require_intake_fields(service.intake_fields)
        _require_forms_fit(uow, service, field="form_templates")
        add_new(uow, actor=staff_actor(staff), row=service, what=WHAT, subject=WHAT)
        uow.commit()
    return service


def update_service(
    *,
    uow: UnitOfWork,
    staff: StaffUser,
    service_id: str,
    expected_version: int,
    changes: dict[str, Any],
) -> Service:
    """Change, archive or restore a service as of the version the admin read."""
    require_admin(staff)
    with uow:
        current = locked_row(uow, Service, service_id, what=WHAT)
        before = current.model_dump(include=set(REFERENCES))
        service = change(
            uow,
            actor=staff_actor(staff),
            model=Service,
            row_id=service_id,
            expected_version=expected_version,
            changes=changes,
            what=WHAT,
            subject=WHAT,
        )
        _check_references(uow, changes, before=before)
        require_intake_fields(service.intake_fields)
        if "form_templates" in changes or "intake_fields" in changes:
            field = "form_templates" if "form_templates" in changes else "intake_fields"
            _require_forms_fit(uow, service, field=field)
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


def _require_forms_fit(uow: UnitOfWork, service: Service, *, field: str) -> None:
    """Refuse form templates naming client fields this service's intake does not ask for.

    Such a form could never be filled for a booking of the service.
    """
    for template_id in service.form_templates:
        template = uow.session.get_one(DocumentTemplate, template_id)
        missing = unfillable(
            placeholders_of(template_document(template)), intake_fields=service.intake_fields
        )
        if missing:
            raise InvalidInput(
                f"The form template '{template_id}' uses fields a booking of this service does "
                f"not have: {', '.join(missing)}. Ask for them in its intake_fields, or leave "
                "the template out.",
                field=field,
            )


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
