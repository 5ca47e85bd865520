"""Services over REST: any staff member reads them, admins change them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, Field

from api.bootstrap import frontdesk_of
from api.catalog_item_routes import SLUG, tagged_read
from api.conventions import Admin, Changes, IfMatch, Page, PageQuery, StaffMember, page
from api.knowledge_sync import knowledge_sync_of
from api.schemas import ServiceRead
from domain.catalog.services import create_service, get_service, page_services, update_service
from domain.models import Service

Slug = Annotated[str, Field(pattern=SLUG)]
Name = Annotated[str, Field(min_length=1, max_length=200)]
Minutes = Annotated[int, Field(gt=0, le=24 * 60, description="Length of an appointment")]
Price = Annotated[str, Field(pattern=r"^\d{1,9}(\.\d{1,2})?$", examples=["80.00"])]
Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$", examples=["EUR"])]
Description = Annotated[str, Field(max_length=4000)]
# Intake fields are the profile fields a booking needs (date_of_birth, insurance_number, …).
Names = Annotated[list[Annotated[str, Field(max_length=64)]], Field(max_length=50)]


class ServiceCreate(BaseModel):
    id: Annotated[str, Field(pattern=SLUG, examples=["derm-consult"])]
    name: Name
    category_id: Slug | None = None
    duration_min: Minutes
    price: Price = "0.00"
    currency: Currency = "EUR"
    description: Description = ""
    required_documents: Names = []
    intake_fields: Names = []
    form_templates: Names = []


class ServiceUpdate(Changes):
    nullable = frozenset({"category_id"})

    name: Name | None = None
    category_id: Slug | None = None
    duration_min: Minutes | None = None
    price: Price | None = None
    currency: Currency | None = None
    description: Description | None = None
    required_documents: Names | None = None
    intake_fields: Names | None = None
    form_templates: Names | None = None
    archived: bool | None = None


service_router = APIRouter(prefix="/services", tags=["catalog"])


def _reindexed(request: Request, response: Response, service: Service) -> ServiceRead:
    """Let the agent find the service by need as it now is (or no longer, once archived)."""
    sync = knowledge_sync_of(request)
    if sync is not None:
        sync.refresh_service(service.id)
    return tagged_read(ServiceRead, service, response)


@service_router.get("", response_model=Page[ServiceRead])
def list_services(
    request: Request,
    _: StaffMember,
    paged: PageQuery,
    category: Annotated[str | None, Query(max_length=64, description="A category id")] = None,
    archived: bool | None = False,
    q: Annotated[str | None, Query(max_length=200, description="Part of the name")] = None,
) -> Page[ServiceRead]:
    """Services by id; archived ones only when asked (`archived=true`, or omit for both)."""
    found, total = page_services(
        uow=frontdesk_of(request).uow(),
        category_id=category,
        archived=archived,
        search=q,
        limit=paged.limit,
        offset=paged.offset,
    )
    items = [ServiceRead.model_validate(s, from_attributes=True) for s in found]
    return page(items, total, paged)


@service_router.post("", response_model=ServiceRead, status_code=201)
def create(
    request: Request, response: Response, admin: Admin, service_in: ServiceCreate
) -> ServiceRead:
    """Add a service; its category, document kinds and form templates must exist (422)."""
    service = create_service(
        uow=frontdesk_of(request).uow(),
        staff=admin,
        service=Service(**service_in.model_dump()),
    )
    return _reindexed(request, response, service)


@service_router.get("/{service_id}", response_model=ServiceRead)
def read(request: Request, response: Response, _: StaffMember, service_id: str) -> ServiceRead:
    service = get_service(uow=frontdesk_of(request).uow(), service_id=service_id)
    return tagged_read(ServiceRead, service, response)


@service_router.patch("/{service_id}", response_model=ServiceRead)
def update(
    request: Request,
    response: Response,
    admin: Admin,
    version: IfMatch,
    service_id: str,
    service_in: ServiceUpdate,
) -> ServiceRead:
    """Change the fields sent; `If-Match` must carry the ETag read (412 if it changed since)."""
    service = update_service(
        uow=frontdesk_of(request).uow(),
        staff=admin,
        service_id=service_id,
        expected_version=version,
        changes=service_in.changes(),
    )
    return _reindexed(request, response, service)


@service_router.delete("/{service_id}", response_model=ServiceRead)
def archive(
    request: Request, response: Response, admin: Admin, version: IfMatch, service_id: str
) -> ServiceRead:
    """Archive the service: no longer offered or found by the agent; past bookings keep it."""
    service = update_service(
        uow=frontdesk_of(request).uow(),
        staff=admin,
        service_id=service_id,
        expected_version=version,
        changes={"archived": True},
    )
    return _reindexed(request, response, service)
