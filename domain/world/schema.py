"""The shape of world.yaml (see evals FORMAT.md), parsed strictly so typos are reported."""

from __future__ import annotations

import re
from datetime import date, time
from typing import Annotated, Any, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    NaiveDatetime,
    field_validator,
)

from domain.clients.registration import normalize_phone
from domain.kernel.errors import InvalidInput

HOURS_RANGE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def _as_text(value: Any) -> Any:
    """Accept YAML scalars that were meant as text (unquoted dates, numbers)."""
    if isinstance(value, date | int | float) and not isinstance(value, bool):
        return value.isoformat() if isinstance(value, date) else str(value)
    return value


Text = Annotated[str, BeforeValidator(_as_text)]
Id = Annotated[str, BeforeValidator(_as_text), Field(min_length=1, max_length=64)]


def parse_hours_range(text: str) -> tuple[time, time]:
    """Parse '09:00-12:30' into opening and closing times; ValueError explains a bad one."""
    match = HOURS_RANGE.match(text)
    if not match:
        raise ValueError(f"{text!r} is not a range like '09:00-12:00'")
    h1, m1, h2, m2 = (int(part) for part in match.groups())
    if not (h1 < 24 and h2 < 24 and m1 < 60 and m2 < 60):
        raise ValueError(f"{text!r} has an impossible time")
    opens, closes = time(h1, m1), time(h2, m2)
    if opens >= closes:
        raise ValueError(f"{text!r} closes before it opens")
    return opens, closes


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# Upper bounds keep every date computed from a world inside the calendar.
DAY_MINUTES = 24 * 60
YEAR_DAYS = 3660


class PoliciesIn(Strict):
    min_notice_minutes: int = Field(default=120, ge=0, le=YEAR_DAYS * DAY_MINUTES)
    max_advance_days: int = Field(default=60, ge=0, le=YEAR_DAYS)
    hold_minutes: int = Field(default=10, gt=0, le=DAY_MINUTES)
    cancellation_notice_hours: int = Field(default=24, ge=0, le=YEAR_DAYS * 24)


class ContactIn(Strict):
    """How clients reach the practice by phone or email (told when the chat cannot help)."""

    phone: str = Field(default="", max_length=64)
    email: str = Field(default="", max_length=255)


class NamedIn(Strict):
    id: Id
    name: str


class ServiceIn(Strict):
    id: Id
    name: str
    category: Id | None = None
    duration_min: int = Field(gt=0, le=DAY_MINUTES)
    price: Text = Field(default="0.00", pattern=r"^\d+(\.\d{1,2})?$")
    currency: str = Field(default="EUR", pattern=r"^[A-Z]{3}$")
    description: str = ""
    required_documents: list[Id] = []
    intake_fields: list[Id] = []
    form_templates: list[Id] = []


class TimeOffIn(Strict):
    start: NaiveDatetime
    end: NaiveDatetime
    reason: str = ""


class ProviderIn(Strict):
    id: Id
    name: str
    kind: str = ""
    specialties: list[str] = []
    services: list[Id] = []
    location: str = ""
    timezone: str
    hours: dict[Weekday, list[str]] = {}
    # Replacement hours on given local dates; an empty list closes the day.
    overrides: dict[date, list[str]] = {}
    time_off: list[TimeOffIn] = []
    buffer_min: int = Field(default=0, ge=0, le=DAY_MINUTES)
    slot_step_min: int = Field(default=15, gt=0, le=DAY_MINUTES)


class ClientIn(Strict):
    id: Id
    name: str
    phone: Text | None = None
    email: str | None = None
    telegram_id: Text | None = None
    profile: dict[str, Text] = {}

    @field_validator("phone")
    @classmethod
    def _phone_as_stored(cls, phone: str | None) -> str | None:
        if phone is None:
            return None
        try:
            return normalize_phone(phone)
        except InvalidInput as exc:
            raise ValueError(exc.message) from exc

    @field_validator("email")
    @classmethod
    def _email_as_stored(cls, email: str | None) -> str | None:
        return email.strip().lower() if email else None


class BookingIn(Strict):
    id: Id | None = None
    client: Id
    service: Id
    provider: Id
    start: NaiveDatetime
    status: Literal["confirmed", "completed", "no_show", "cancelled"] = "confirmed"


class KnowledgeIn(Strict):
    id: Id
    title: str
    text: str


class TemplateIn(Strict):
    id: Id
    name: str
    paragraphs: list[str] | None = None
    file: str | None = None


class WorldIn(Strict):
    now: AwareDatetime
    timezone: str
    policies: PoliciesIn = PoliciesIn()
    contact: ContactIn = ContactIn()
    categories: list[NamedIn] = []
    document_kinds: list[NamedIn] = []
    services: list[ServiceIn]
    providers: list[ProviderIn]
    clients: list[ClientIn] = []
    bookings: list[BookingIn] = []
    knowledge: list[KnowledgeIn] = []
    templates: list[TemplateIn] = []
