"""Free starts across the catalog, for staff (the agent offers clients the same ones)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request

from api.bootstrap import frontdesk_of
from api.conventions import StaffMember
from api.schemas import ProviderBrief, ProviderSlotsRead, ServiceRead
from domain.kernel.errors import InvalidInput
from domain.kernel.instants import require_instant
from domain.scheduling.slots import SlotQuery, search_slots

catalog_router = APIRouter(tags=["catalog"])
MAX_SEARCH_DAYS = 62


@catalog_router.get("/availability", response_model=list[ProviderSlotsRead])
def availability(
    request: Request,
    _: StaffMember,
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
            provider=ProviderBrief.model_validate(item.provider, from_attributes=True),
            service=ServiceRead.model_validate(item.service, from_attributes=True),
            starts=item.starts,
        )
        for item in found
    ]
