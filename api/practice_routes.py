"""The practice's settings over REST: any staff member reads them, admins set the phone region."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from api.bootstrap import frontdesk_of
from api.conventions import Admin, StaffMember
from domain.catalog.practice import read_practice, set_practice_region


class PracticeRead(BaseModel):
    name: str
    timezone: str
    region: str | None = Field(description="ISO 3166 alpha-2 country code as set, e.g. DE")
    phone_region: str | None = Field(
        description="The country national phone numbers are read in: the region, else the "
        "time zone's country; none means only international numbers (+49 …) are understood."
    )


class PracticeUpdate(BaseModel):
    # Null or blank: the time zone's country is used.
    region: Annotated[str | None, Field(max_length=8, examples=["DE", "CA"])]


practice_router = APIRouter(prefix="/practice", tags=["practice"])


@practice_router.get("", response_model=PracticeRead)
def read(request: Request, _: StaffMember) -> PracticeRead:
    """The practice's name, time zone and phone region."""
    return PracticeRead(**asdict(read_practice(uow=frontdesk_of(request).uow())))


@practice_router.patch("", response_model=PracticeRead)
def update(request: Request, staff: Admin, practice_in: PracticeUpdate) -> PracticeRead:
    """Set the phone region; numbers already stored are E.164 and do not change."""
    settings = set_practice_region(
        uow=frontdesk_of(request).uow(), staff=staff, region=practice_in.region
    )
    return PracticeRead(**asdict(settings))
