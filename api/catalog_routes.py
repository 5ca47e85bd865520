"""Public read-only catalog and availability endpoints."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request

from api.bootstrap import frontdesk_of
from api.schemas import ProviderRead, ProviderSlotsRead, ServiceRead
from domain.catalog import list_providers, list_services
from domain.errors import InvalidInput
from domain.models import Provider, Service
from domain.slot_rules import require_instant
from domain.slots import SlotQuery, search_slots

catalog_router = APIRouter(tags=["catalog"])
MAX_SEARCH_DAYS = 62


@catalog_router.get("/services", response_model=list[ServiceRead])
def services(request: Request) -> list[Service]:
    return list_services(uow=frontdesk_of(request).uow())


@catalog_router.get("/providers", response_model=list[ProviderRead])
def providers(request: Request) -> list[Provider]:
    return list_providers(uow=frontdesk_of(request).uow())


@catalog_router.get("/availability", response_model=list[ProviderSlotsRead])
def availability(
    request: Request,
    start: Annotated[datetime, Query(description="ISO 8601 with offset")],
    days: Annotated[int, Query(ge=1, le=MAX_SEARCH_DAYS)] = 7,
    service: str | None = None,
    category: str | None = None,
    provider: str | None = None,
    specialty: str | None = None,
    location: str | None = None,
    limit_per_provider: Annotated[int | None, Query(ge=1, le=500)] = None,
) -> list[ProviderSlotsRead]:
    """Free starts per provider and service, soonest first."""
    if start.tzinfo is None:
        raise InvalidInput("start needs a UTC offset, e.g. 2026-03-02T09:00:00+01:00.")
    require_instant(start, "start")
    query = SlotQuery(
        start=start,
        end=start + timedelta(days=days),
        service_id=service,
        category_id=category,
        provider_id=provider,
        specialty=specialty,
        location=location,
        limit_per_provider=limit_per_provider,
    )
    found = search_slots(uow=frontdesk_of(request).uow(), query=query)
    return [
        ProviderSlotsRead(
            provider=ProviderRead.model_validate(item.provider, from_attributes=True),
            service=ServiceRead.model_validate(item.service, from_attributes=True),
            starts=item.starts,
        )
        for item in found
    ]
