"""HTTP schemas shared by several routers, named by role."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class ServiceRead(BaseModel):
    id: str
    name: str
    category_id: str | None
    duration_min: int
    price: str
    currency: str
    description: str
    required_documents: list[str]
    intake_fields: list[str]
    form_templates: list[str]
    archived: bool
    version: int


class ProviderBrief(BaseModel):
    """Who a provider is, as an availability result names them."""

    id: str
    name: str
    kind: str
    specialties: list[str]
    location: str
    timezone: str


class ProviderRead(ProviderBrief):
    buffer_min: int
    slot_step_min: int
    service_ids: list[str]
    archived: bool
    version: int


class ProviderSlotsRead(BaseModel):
    provider: ProviderBrief
    service: ServiceRead
    starts: list[datetime]


class ErrorRead(BaseModel):
    code: str
    detail: str
