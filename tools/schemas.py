"""Argument schemas the model sees: each field says what it is for."""

from __future__ import annotations

from typing import Annotated

from langchain_core.tools import InjectedToolCallId
from pydantic import BaseModel, Field

TIME_OF_DAY = r"^\d{2}:\d{2}$"
DAY = r"^\d{4}-\d{2}-\d{2}$"


class SearchProvidersIn(BaseModel):
    need: str | None = Field(
        None, description="The client's need in their words, e.g. 'my skin itches'."
    )
    specialty: str | None = Field(
        None, description="A specialty, e.g. 'dermatology', 'family law'."
    )
    service_id: str | None = Field(None, description="A service id from an earlier result.")
    provider_name: str | None = Field(None, description="A provider's name, e.g. 'Dr. Weber'.")
    location: str | None = Field(None, description="A place, e.g. 'Charlottenburg'.")


class CheckSlotsIn(BaseModel):
    provider_id: str | None = Field(None, description="Provider id from search_providers.")
    service_id: str | None = Field(None, description="Service id from search_providers.")
    date_from: str = Field(description="First local day to look at, YYYY-MM-DD.", pattern=DAY)
    date_to: str | None = Field(
        None, description="Last local day (inclusive), YYYY-MM-DD; default: date_from.", pattern=DAY
    )
    day_from: str | None = Field(
        None,
        description="Earliest local time of day, HH:MM (e.g. 12:00 for afternoon).",
        pattern=TIME_OF_DAY,
    )
    day_until: str | None = Field(
        None, description="Latest local time of day to start before, HH:MM.", pattern=TIME_OF_DAY
    )
    limit: int = Field(8, ge=1, le=40, description="At most this many starts per provider.")


class PrefillBookingIn(BaseModel):
    provider_id: str = Field(description="Provider id from a check_slots result.")
    service_id: str = Field(description="Service id from a check_slots result.")
    start: str = Field(description="Start exactly as check_slots gave it (ISO 8601 with offset).")
    tool_call_id: Annotated[str, InjectedToolCallId]


class UpdateBookingDraftIn(BaseModel):
    booking_id: str = Field(description="The draft's booking_id from prefill_booking.")
    new_start: str | None = Field(
        None,
        description=(
            "A different start from check_slots (ISO 8601 with offset); the old hold is released."
        ),
    )
    values: dict[str, str] | None = Field(
        None,
        description=(
            "Intake answers the client gave, by field name, e.g. {'date_of_birth': '1985-05-12'}."
        ),
    )
    tool_call_id: Annotated[str, InjectedToolCallId]


class BookingRefIn(BaseModel):
    booking_id: str = Field(
        description=(
            "A booking_id from an earlier result, or the short reference the client quotes "
            "(e.g. 7F3A9C21, from a text message or notification)."
        )
    )


class RescheduleIn(BaseModel):
    booking_id: str = Field(
        description=(
            "The booking to move, from list_bookings, or the short reference the client quotes."
        )
    )
    new_start: str = Field(description="The new start from check_slots (ISO 8601 with offset).")


class SearchKnowledgeIn(BaseModel):
    query: str = Field(description="The client's question.")


class HandoffIn(BaseModel):
    reason: str = Field(description="Why the client wants or needs a person.")


class NoArgs(BaseModel):
    pass


class IdentifyClientIn(BaseModel):
    name: str | None = Field(None, description="The client's full name as they gave it.")
    phone: str | None = Field(
        None,
        description="The phone number exactly as they wrote it, national (0170 1234567) or "
        "international (+49 170 1234567): it is read in the practice's country.",
    )
    email: str | None = Field(None, description="The email address they gave.")


class VerifyCodeIn(BaseModel):
    code: str = Field(description="The one-time code the client typed, digits only.")
