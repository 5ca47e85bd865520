"""Providers over REST: any staff member reads them, admins change them and what they offer."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, Field

from api.bootstrap import frontdesk_of
from api.catalog_item_routes import SLUG, tagged_read
from api.conventions import Admin, Changes, IfMatch, Page, PageQuery, StaffMember, page
from api.schemas import ProviderRead
from domain.catalog.providers import (
    ProviderRecord,
    create_provider,
    get_provider,
    page_providers,
    update_provider,
)
from domain.models import Provider

Name = Annotated[str, Field(min_length=1, max_length=200)]
Label = Annotated[str, Field(max_length=200)]
Specialties = Annotated[
    list[Annotated[str, Field(min_length=1, max_length=100)]], Field(max_length=50)
]
TimeZone = Annotated[str, Field(min_length=1, max_length=64, examples=["Europe/Berlin"])]
Buffer = Annotated[int, Field(ge=0, le=24 * 60, description="Minutes kept free after a booking")]
Step = Annotated[int, Field(gt=0, le=24 * 60, description="Minutes between offered starts")]
ServiceIds = Annotated[
    list[Annotated[str, Field(max_length=64)]],
    Field(max_length=200, description="The services the provider offers, all of them"),
]


class ProviderCreate(BaseModel):
    id: Annotated[str, Field(pattern=SLUG, examples=["dr-weber"])]
    name: Name
    kind: Label = ""
    specialties: Specialties = []
    location: Label = ""
    timezone: TimeZone
    buffer_min: Buffer = 0
    slot_step_min: Step = 15
    service_ids: ServiceIds = []


class ProviderUpdate(Changes):
    name: Name | None = None
    kind: Label | None = None
    specialties: Specialties | None = None
    location: Label | None = None
    timezone: TimeZone | None = None
    buffer_min: Buffer | None = None
    slot_step_min: Step | None = None
    service_ids: ServiceIds | None = None
    archived: bool | None = None


provider_router = APIRouter(prefix="/providers", tags=["catalog"])


def _fields(record: ProviderRecord) -> dict[str, Any]:
    """The provider's fields and the ids of the services they offer, as ProviderRead has them."""
    return {**record.provider.model_dump(), "service_ids": record.service_ids}


@provider_router.get("", response_model=Page[ProviderRead])
def list_providers(
    request: Request,
    _: StaffMember,
    paged: PageQuery,
    service: Annotated[str | None, Query(max_length=64, description="Offers this service")] = None,
    specialty: Annotated[str | None, Query(max_length=100, description="One of theirs")] = None,
    location: Annotated[str | None, Query(max_length=200, description="Part of it")] = None,
    archived: bool | None = False,
    q: Annotated[str | None, Query(max_length=200, description="Part of the name")] = None,
) -> Page[ProviderRead]:
    """Providers by id; archived ones only when asked (`archived=true`, or omit for both)."""
    found, total = page_providers(
        uow=frontdesk_of(request).uow(),
        service_id=service,
        specialty=specialty,
        location=location,
        archived=archived,
        search=q,
        limit=paged.limit,
        offset=paged.offset,
    )
    return page([ProviderRead.model_validate(_fields(record)) for record in found], total, paged)


@provider_router.post("", response_model=ProviderRead, status_code=201)
def create(
    request: Request, response: Response, admin: Admin, provider_in: ProviderCreate
) -> ProviderRead:
    """Add a provider; the services must exist and the time zone be an IANA name (422)."""
    record = create_provider(
        uow=frontdesk_of(request).uow(),
        staff=admin,
        provider=Provider(**provider_in.model_dump(exclude={"service_ids"})),
        service_ids=provider_in.service_ids,
    )
    return tagged_read(ProviderRead, _fields(record), response)


@provider_router.get("/{provider_id}", response_model=ProviderRead)
def read(request: Request, response: Response, _: StaffMember, provider_id: str) -> ProviderRead:
    record = get_provider(uow=frontdesk_of(request).uow(), provider_id=provider_id)
    return tagged_read(ProviderRead, _fields(record), response)


@provider_router.patch("/{provider_id}", response_model=ProviderRead)
def update(
    request: Request,
    response: Response,
    admin: Admin,
    version: IfMatch,
    provider_id: str,
    provider_in: ProviderUpdate,
) -> ProviderRead:
    """Change the fields sent (`service_ids` replaces the whole set); `If-Match` as read."""
    changes = provider_in.changes()
    service_ids = changes.pop("service_ids", None)
    record = update_provider(
        uow=frontdesk_of(request).uow(),
        staff=admin,
        provider_id=provider_id,
        expected_version=version,
        changes=changes,
        service_ids=service_ids,
    )
    return tagged_read(ProviderRead, _fields(record), response)


@provider_router.delete("/{provider_id}", response_model=ProviderRead)
def archive(
    request: Request, response: Response, admin: Admin, version: IfMatch, provider_id: str
) -> ProviderRead:
    """Archive the provider: no new bookings; their bookings and schedule stay as they are."""
    record = update_provider(
        uow=frontdesk_of(request).uow(),
        staff=admin,
        provider_id=provider_id,
        expected_version=version,
        changes={"archived": True},
    )
    return tagged_read(ProviderRead, _fields(record), response)
