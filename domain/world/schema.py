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
    ValidationInfo,
    field_validator,
)

from domain.clients.phones import NotAPhoneNumber, region_of_time_zone, to_e164
from domain.kernel.languages import LanguageCode

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


Translations = dict[LanguageCode, dict[str, str]]


class PracticeIn(Strict):
    # The languages clients are answered in; the first is spoken until a client's is known.
    languages: list[LanguageCode] = Field(default=["en"], min_length=1)


class NamedIn(Strict):
    id: Id
    name: str
    translations: Translations = {}


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
    translations: Translations = {}


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
    translations: Translations = {}


class ClientIn(Strict):
    id: Id
    name: str
    phone: Text | None = None
    email: str | None = None
    telegram_id: Text | None = None
    profile: dict[str, Text] = {}
    # The language the client was answered in before (a known client's), if any.
    language: LanguageCode | None = None

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
    translations: Translations = {}


class TemplateIn(Strict):
    id: Id
    name: str
    paragraphs: list[str] | None = None
    file: str | None = None


class WorldIn(Strict):
    now: AwareDatetime
    timezone: str
    # ISO 3166 alpha-2: the country national phone numbers are read in; by default the time
    # zone's. Declared before `clients`, whose phones are read in it.
    region: str | None = None
    policies: PoliciesIn = PoliciesIn()
    contact: ContactIn = ContactIn()
    practice: PracticeIn = PracticeIn()
    categories: list[NamedIn] = []
    document_kinds: list[NamedIn] = []
    services: list[ServiceIn]
    providers: list[ProviderIn]
    clients: list[ClientIn] = []
    bookings: list[BookingIn] = []
    knowledge: list[KnowledgeIn] = []
    templates: list[TemplateIn] = []

    @field_validator("region")
    @classmethod
    def _region_as_stored(cls, region: str | None) -> str | None:
        return region.strip().upper() if region else None

    @field_validator("clients")
    @classmethod
    def _phones_as_stored(cls, clients: list[ClientIn], info: ValidationInfo) -> list[ClientIn]:
        """Read each phone into E.164; one that is no number stays as written for the checks."""
        region = phone_region(info.data.get("region"), info.data.get("timezone"))
        return [
            client.model_copy(update={"phone": _e164_or_as_written(client.phone, region)})
            for client in clients
        ]

    @property
    def phone_region(self) -> str | None:
        """The country national phone numbers are read in: the region, else the time zone's."""
        return phone_region(self.region, self.timezone)


def phone_region(region: str | None, time_zone: str | None) -> str | None:
    """Return the region given, else the country of the time zone, else None."""
    if region:
        return region
    return region_of_time_zone(time_zone) if time_zone else None


def _e164_or_as_written(phone: str | None, region: str | None) -> str | None:
    if phone is None:
        return None
    try:
        return to_e164(phone, region=region)
    except NotAPhoneNumber:
        return phone.strip()
