"""HTTP schemas, named by role."""

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


class ProviderRead(BaseModel):
    id: str
    name: str
    kind: str
    specialties: list[str]
    location: str
    timezone: str


class ProviderSlotsRead(BaseModel):
    provider: ProviderRead
    service: ServiceRead
    starts: list[datetime]


class ErrorRead(BaseModel):
    code: str
    detail: str
