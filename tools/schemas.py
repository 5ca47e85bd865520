"""Argument schemas the model sees: a field is described only when its name does not say enough.

Every model call carries every schema, so each word here is paid for on every call.
"""

from __future__ import annotations

from typing import Annotated

from langchain_core.tools import InjectedToolCallId
from pydantic import BaseModel, Field

TIME_OF_DAY = r"^\d{2}:\d{2}$"
DAY = r"^\d{4}-\d{2}-\d{2}$"
FROM_CHECK_SLOTS = "Exactly as check_slots gave it."
BOOKING_OR_REFERENCE = "A booking_id, or the short reference the client quotes."


class SearchProvidersIn(BaseModel):
    need: str | None = Field(
        None, description="The client's need in their words; with a name, orders their services."
    )
    specialty: str | None = Field(None, description="e.g. dermatology, family law")
    service_id: str | None = None
    provider_name: str | None = None
    location: str | None = None


class CheckSlotsIn(BaseModel):
    provider_id: str | None = None
    service_id: str | None = None
    date_from: str = Field(description="Local day, YYYY-MM-DD.", pattern=DAY)
    date_to: str | None = Field(
        None, description="Last local day, inclusive; default date_from.", pattern=DAY
    )
    day_from: str | None = Field(
        None, description="Earliest start, HH:MM (12:00 for afternoon).", pattern=TIME_OF_DAY
    )
    day_until: str | None = Field(
        None, description="Starts before this, HH:MM.", pattern=TIME_OF_DAY
    )
    limit: int = Field(8, ge=1, le=40, description="Starts per provider.")
    at: str | None = Field(
        None, description="The time the client asked for on date_from, HH:MM.", pattern=TIME_OF_DAY
    )


class PrefillBookingIn(BaseModel):
    provider_id: str
    service_id: str
    start: str = Field(description=FROM_CHECK_SLOTS)
    tool_call_id: Annotated[str, InjectedToolCallId]


class UpdateBookingDraftIn(BaseModel):
    booking_id: str
    new_start: str | None = Field(
        None, description=f"Another start; the old hold is released. {FROM_CHECK_SLOTS}"
    )
    values: dict[str, str] | None = Field(None, description="Intake answers by field name.")
    tool_call_id: Annotated[str, InjectedToolCallId]


class BookingRefIn(BaseModel):
    booking_id: str = Field(description=BOOKING_OR_REFERENCE)


class RescheduleIn(BaseModel):
    booking_id: str = Field(description=BOOKING_OR_REFERENCE)
    new_start: str = Field(description=FROM_CHECK_SLOTS)


class SearchKnowledgeIn(BaseModel):
    query: str


class HandoffIn(BaseModel):
    reason: str


class NoteForPracticeIn(BaseModel):
    note: str


class NoArgs(BaseModel):
    pass


class IdentifyClientIn(BaseModel):
    name: str | None = None
    phone: str | None = Field(None, description="As the client wrote it.")
    email: str | None = None


class VerifyCodeIn(BaseModel):
    code: str
