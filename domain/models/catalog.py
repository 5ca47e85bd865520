"""Catalog tables: the practice and its policies, categories, services, providers."""

from __future__ import annotations

from sqlmodel import Field, SQLModel

from domain.models.types import json_column

PRACTICE_ROW_ID = 1


class Practice(SQLModel, table=True):
    """The organisation's default time zone, phone region and booking policies (a single row)."""

    __tablename__ = "practice"

    id: int = Field(default=PRACTICE_ROW_ID, primary_key=True)
    name: str = "Frontdesk practice"
    timezone: str = "UTC"
    # ISO 3166 alpha-2 ("DE"): the country whose national phone numbers clients write. None:
    # the country of the time zone (domain.clients.phones.practice_region).
    region: str | None = Field(default=None, max_length=2)
    min_notice_minutes: int = 120
    max_advance_days: int = 60
    hold_minutes: int = 10
    cancellation_notice_hours: int = 24
    # How clients reach a person for what the chat may not do; empty when not given.
    phone: str = Field(default="", sa_column_kwargs={"server_default": ""})
    email: str = Field(default="", sa_column_kwargs={"server_default": ""})
    # The languages clients are answered in ("en", "de", "ru"), the first the default.
    languages: list[str] = Field(default_factory=lambda: ["en"], sa_column=json_column('["en"]'))


class Category(SQLModel, table=True):
    __tablename__ = "categories"

    id: str = Field(primary_key=True, max_length=64)
    name: str
    # Public texts by language: {"de": {"name": "Medizin"}}; the original where none is given.
    translations: dict[str, dict[str, str]] = Field(
        default_factory=dict, sa_column=json_column("{}")
    )
    archived: bool = False
    version: int = 1


class DocumentKind(SQLModel, table=True):
    __tablename__ = "document_kinds"

    id: str = Field(primary_key=True, max_length=64)
    name: str
    # Public texts by language: {"de": {"name": "Medizin"}}; the original where none is given.
    translations: dict[str, dict[str, str]] = Field(
        default_factory=dict, sa_column=json_column("{}")
    )
    archived: bool = False
    version: int = 1


class Service(SQLModel, table=True):
    __tablename__ = "services"

    id: str = Field(primary_key=True, max_length=64)
    name: str
    category_id: str | None = Field(default=None, foreign_key="categories.id", index=True)
    duration_min: int = Field(gt=0)
    price: str = "0.00"
    currency: str = "EUR"
    description: str = ""
    required_documents: list[str] = Field(default_factory=list, sa_column=json_column())
    intake_fields: list[str] = Field(default_factory=list, sa_column=json_column())
    form_templates: list[str] = Field(default_factory=list, sa_column=json_column())
    translations: dict[str, dict[str, str]] = Field(
        default_factory=dict, sa_column=json_column("{}")
    )
    archived: bool = False
    version: int = 1


class Provider(SQLModel, table=True):
    __tablename__ = "providers"

    id: str = Field(primary_key=True, max_length=64)
    name: str
    kind: str = ""
    specialties: list[str] = Field(default_factory=list, sa_column=json_column())
    location: str = ""
    timezone: str = "UTC"
    buffer_min: int = Field(default=0, ge=0)
    slot_step_min: int = Field(default=15, gt=0)
    translations: dict[str, dict[str, str]] = Field(
        default_factory=dict, sa_column=json_column("{}")
    )
    archived: bool = False
    version: int = 1


class ProviderService(SQLModel, table=True):
    """Which services a provider offers."""

    __tablename__ = "provider_services"

    provider_id: str = Field(foreign_key="providers.id", primary_key=True)
    service_id: str = Field(foreign_key="services.id", primary_key=True, index=True)
