"""A provider's schedule over REST: staff read it; admins and the provider themself change it."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import AwareDatetime, BaseModel, Field

from api.bootstrap import frontdesk_of
from api.conventions import IfMatch, Page, PageQuery, StaffMember, page, tagged
from domain.models import DateOverride, TimeOff
from domain.scheduling.hours import (
    WeekdayRange,
    WeeklySchedule,
    add_override,
    page_overrides,
    remove_override,
    replace_weekly_hours,
    weekly_hours,
)
from domain.scheduling.time_off import add_time_off, page_time_off, remove_time_off

# Row ids are database integers: anything larger names no row (and would overflow a column).
RowId = Annotated[int, Path(ge=1, le=2**31 - 1)]


class HoursRange(BaseModel):
    weekday: Annotated[int, Field(ge=0, le=6, description="0 is Monday, 6 is Sunday")]
    opens: Annotated[time, Field(examples=["09:00"])]
    closes: Annotated[time, Field(examples=["12:30"])]


class WeeklyHoursUpdate(BaseModel):
    """The whole weekly set, in the provider's local time; it replaces the one there was."""

    hours: Annotated[list[HoursRange], Field(max_length=7 * 24)]


class WeeklyHoursRead(BaseModel):
    provider_id: str
    version: int
    hours: list[HoursRange]


class DateOverrideCreate(BaseModel):
    """Other hours on one local date; leave out both times to close the day."""

    day: date
    opens: time | None = None
    closes: time | None = None


class DateOverrideRead(BaseModel):
    id: int
    provider_id: str
    day: date
    opens: time | None
    closes: time | None


class TimeOffCreate(BaseModel):
    starts_at: Annotated[AwareDatetime, Field(examples=["2026-03-12T08:00:00+01:00"])]
    ends_at: Annotated[AwareDatetime, Field(examples=["2026-03-13T18:00:00+01:00"])]
    reason: Annotated[str, Field(max_length=500)] = ""


class TimeOffRead(BaseModel):
    id: int
    provider_id: str
    starts_at: datetime
    ends_at: datetime
    reason: str


schedule_router = APIRouter(prefix="/providers/{provider_id}", tags=["schedule"])


def _hours_read(schedule: WeeklySchedule, response: Response) -> WeeklyHoursRead:
    tagged(response, schedule.version)
    hours = [HoursRange(weekday=h.weekday, opens=h.opens, closes=h.closes) for h in schedule.hours]
    return WeeklyHoursRead(provider_id=schedule.provider_id, version=schedule.version, hours=hours)


@schedule_router.get("/hours", response_model=WeeklyHoursRead)
def read_hours(
    request: Request, response: Response, _: StaffMember, provider_id: str
) -> WeeklyHoursRead:
    """The weekly opening hours; the ETag is the provider's (a PUT changes the provider)."""
    schedule = weekly_hours(uow=frontdesk_of(request).uow(), provider_id=provider_id)
    return _hours_read(schedule, response)


@schedule_router.put("/hours", response_model=WeeklyHoursRead)
def replace_hours(
    request: Request,
    response: Response,
    staff: StaffMember,
    version: IfMatch,
    provider_id: str,
    hours_in: WeeklyHoursUpdate,
) -> WeeklyHoursRead:
    """Replace the weekly hours (admins, or the provider themself); `If-Match`: the provider's."""
    schedule = replace_weekly_hours(
        uow=frontdesk_of(request).uow(),
        staff=staff,
        provider_id=provider_id,
        expected_version=version,
        hours=[WeekdayRange(h.weekday, h.opens, h.closes) for h in hours_in.hours],
    )
    return _hours_read(schedule, response)


@schedule_router.get("/overrides", response_model=Page[DateOverrideRead])
def list_overrides(
    request: Request,
    _: StaffMember,
    paged: PageQuery,
    provider_id: str,
    first_day: Annotated[date | None, Query(alias="from", description="From this day")] = None,
    last_day: Annotated[date | None, Query(alias="to", description="Up to this day")] = None,
) -> Page[DateOverrideRead]:
    """Date overrides by day, between two days (both included)."""
    found, total = page_overrides(
        uow=frontdesk_of(request).uow(),
        provider_id=provider_id,
        first_day=first_day,
        last_day=last_day,
        limit=paged.limit,
        offset=paged.offset,
    )
    return page([_override_read(row) for row in found], total, paged)


@schedule_router.post("/overrides", response_model=DateOverrideRead, status_code=201)
def create_override(
    request: Request, staff: StaffMember, provider_id: str, override_in: DateOverrideCreate
) -> DateOverrideRead:
    """Set other hours on a date, or close it (admins, or the provider themself)."""
    override = add_override(
        uow=frontdesk_of(request).uow(),
        staff=staff,
        provider_id=provider_id,
        day=override_in.day,
        opens=override_in.opens,
        closes=override_in.closes,
    )
    return _override_read(override)


@schedule_router.delete("/overrides/{override_id}", status_code=204)
def delete_override(
    request: Request, staff: StaffMember, provider_id: str, override_id: RowId
) -> Response:
    remove_override(
        uow=frontdesk_of(request).uow(),
        staff=staff,
        provider_id=provider_id,
        override_id=override_id,
    )
    return Response(status_code=204)


@schedule_router.get("/time-off", response_model=Page[TimeOffRead])
def list_time_off(
    request: Request,
    _: StaffMember,
    paged: PageQuery,
    provider_id: str,
    ends_after: Annotated[
        AwareDatetime | None, Query(alias="from", description="Overlapping from this instant")
    ] = None,
    starts_before: Annotated[
        AwareDatetime | None, Query(alias="to", description="Overlapping until this instant")
    ] = None,
) -> Page[TimeOffRead]:
    """Time off by start (in UTC), overlapping the window given."""
    found, total = page_time_off(
        uow=frontdesk_of(request).uow(),
        provider_id=provider_id,
        ends_after=ends_after,
        starts_before=starts_before,
        limit=paged.limit,
        offset=paged.offset,
    )
    return page([_time_off_read(row) for row in found], total, paged)


@schedule_router.post("/time-off", response_model=TimeOffRead, status_code=201)
def create_time_off(
    request: Request, staff: StaffMember, provider_id: str, time_off_in: TimeOffCreate
) -> TimeOffRead:
    """Mark the provider away: no slots are offered then (admins, or the provider themself)."""
    off = add_time_off(
        uow=frontdesk_of(request).uow(),
        staff=staff,
        provider_id=provider_id,
        starts_at=time_off_in.starts_at,
        ends_at=time_off_in.ends_at,
        reason=time_off_in.reason,
    )
    return _time_off_read(off)


@schedule_router.delete("/time-off/{time_off_id}", status_code=204)
def delete_time_off(
    request: Request, staff: StaffMember, provider_id: str, time_off_id: RowId
) -> Response:
    remove_time_off(
        uow=frontdesk_of(request).uow(),
        staff=staff,
        provider_id=provider_id,
        time_off_id=time_off_id,
    )
    return Response(status_code=204)


def _override_read(row: DateOverride) -> DateOverrideRead:
    return DateOverrideRead.model_validate(row, from_attributes=True)


def _time_off_read(row: TimeOff) -> TimeOffRead:
    return TimeOffRead.model_validate(row, from_attributes=True)
