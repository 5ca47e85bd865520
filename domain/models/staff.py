"""Staff accounts: the people who sign in to the console (admins and providers)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel

from domain.models.clients import new_id
from domain.models.types import utc_column


class StaffRole(StrEnum):
    ADMIN = "admin"
    PROVIDER = "provider"


class StaffUser(SQLModel, table=True):
    __tablename__ = "staff_users"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=64)
    email: str = Field(max_length=255, unique=True)
    name: str = Field(max_length=200)
    role: str = Field(default=StaffRole.PROVIDER, max_length=16)
    # A provider's account is linked to their diary; an admin's usually is not.
    provider_id: str | None = Field(default=None, foreign_key="providers.id", index=True)
    password_hash: str | None = None  # None for accounts that only sign in through Entra ID
    active: bool = True
    created_at: datetime = Field(sa_column=utc_column())
