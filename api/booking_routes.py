"""Bookings over REST: the diary, booking for a client, cancelling, recording attendance.

Admins see every booking; a provider sees and books only their own (anyone else's booking
answers 404, asking for a colleague's diary 403), for clients already theirs.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Header, Query, Request, Response
from pydantic import AwareDatetime, BaseModel, Field, StrictFloat, StrictInt, StringConstraints

from api.bootstrap import frontdesk_of
from api.conventions import IfMatch, Page, PageQuery, StaffMember, page, tagged
from domain.booking.changes import cancel_for_client
from domain.booking.confirmation import book_for_client
from domain.booking.outcomes import record_attendance
from domain.booking.reading import page_bookings, read_booking
from domain.clients.registration import PROFILE_FIELD
from domain.models import Booking

Status = Literal["hold", "confirmed", "completed", "no_show", "cancelled", "expired", "released"]
Id = Annotated[str, Field(min_length=1, max_length=64)]
IntakeField = Annotated[str, StringConstraints(pattern=PROFILE_FIELD.pattern)]
IntakeValue = Annotated[str, Field(max_length=1000)] | StrictInt | StrictFloat


class BookingCreate(BaseModel):
    client_id: Id
    provider_id: Id
    service_id: Id
    start: Annotated[AwareDatetime, Field(examples=["2026-03-13T08:00:00+01:00"])]
    # Answers the service asks for that the client's profile does not hold.
    intake: dict[IntakeField, IntakeValue] = {}


class BookingCancel(BaseModel):
    reason: Annotated[str, Field(max_length=500)] = ""


class BookingRead(BaseModel):
    id: str
    client_id: str
    provider_id: str
    service_id: str
    starts_at: datetime
    ends_at: datetime
    status: str
    channel: str
    price: str
    currency: str
    created_at: datetime
    updated_at: datetime
    version: int


class BookingDetail(BookingRead):
    """One booking, with the client's intake answers (lists leave them out)."""

    intake: dict[str, str]


booking_router = APIRouter(prefix="/bookings", tags=["bookings"])


def _detail(booking: Booking, response: Response) -> BookingDetail:
    tagged(response, booking.version)
    return BookingDetail.model_validate(booking, from_attributes=True)


@booking_router.get("", response_model=Page[BookingRead])
def list_bookings(
    request: Request,
    staff: StaffMember,
    paged: PageQuery,
    provider: Annotated[Id | None, Query(description="A provider's id")] = None,
    client: Annotated[Id | None, Query(description="A client's id")] = None,
    first_day: Annotated[
        date | None, Query(alias="from", description="First day (the practice's), included")
    ] = None,
    last_day: Annotated[date | None, Query(alias="to", description="Last day, included")] = None,
    status: Annotated[list[Status] | None, Query(description="Any of these; repeatable")] = None,
) -> Page[BookingRead]:
    """Bookings by start time; a provider sees their own only."""
    found, total = page_bookings(
        uow=frontdesk_of(request).uow(),
        staff=staff,
        provider_id=provider,
        client_id=client,
        first_day=first_day,
        last_day=last_day,
        statuses=status or [],
        limit=paged.limit,
        offset=paged.offset,
    )
    return page([BookingRead.model_validate(b, from_attributes=True) for b in found], total, paged)


@booking_router.post("", response_model=BookingDetail, status_code=201)
def create(
    request: Request,
    response: Response,
    staff: StaffMember,
    booking_in: BookingCreate,
    idempotency_key: Annotated[
        str,
        Header(
            min_length=1,
            max_length=200,
            description="Unique per booking you mean to make: sent again, it books nothing new.",
        ),
    ],
) -> BookingDetail:
    """Book a free start for a client, confirmed at once; a provider only with themself.

    A provider books only for clients already theirs or registered by them; anyone else is
    "not found". The start must be one slot search offers (hours, notice, time off, other
    bookings). The same key again answers with the booking it made, or 409 if it made none.
    """
    booking = book_for_client(
        uow=frontdesk_of(request).uow(),
        staff=staff,
        client_id=booking_in.client_id,
        provider_id=booking_in.provider_id,
        service_id=booking_in.service_id,
        start=booking_in.start,
        intake=booking_in.intake,
        idempotency_key=idempotency_key,
    )
    return _detail(booking, response)


@booking_router.get("/{booking_id}", response_model=BookingDetail)
def read(
    request: Request, response: Response, staff: StaffMember, booking_id: str
) -> BookingDetail:
    booking = read_booking(uow=frontdesk_of(request).uow(), staff=staff, booking_id=booking_id)
    return _detail(booking, response)


@booking_router.post("/{booking_id}/cancel", response_model=BookingDetail)
def cancel(
    request: Request,
    response: Response,
    staff: StaffMember,
    version: IfMatch,
    booking_id: str,
    cancel_in: BookingCancel | None = None,
) -> BookingDetail:
    """Cancel a confirmed booking; staff may do so inside the clients' notice period too."""
    booking = cancel_for_client(
        uow=frontdesk_of(request).uow(),
        staff=staff,
        booking_id=booking_id,
        expected_version=version,
        reason=cancel_in.reason if cancel_in else "",
    )
    return _detail(booking, response)


@booking_router.post("/{booking_id}/complete", response_model=BookingDetail)
def complete(
    request: Request, response: Response, staff: StaffMember, version: IfMatch, booking_id: str
) -> BookingDetail:
    """Record that a booking that has started took place."""
    return _attendance(request, response, staff, version, booking_id, attended=True)


@booking_router.post("/{booking_id}/no-show", response_model=BookingDetail)
def no_show(
    request: Request, response: Response, staff: StaffMember, version: IfMatch, booking_id: str
) -> BookingDetail:
    """Record that the client did not come to a booking that has started."""
    return _attendance(request, response, staff, version, booking_id, attended=False)


def _attendance(
    request: Request,
    response: Response,
    staff: StaffMember,
    version: int,
    booking_id: str,
    *,
    attended: bool,
) -> BookingDetail:
    booking = record_attendance(
        uow=frontdesk_of(request).uow(),
        staff=staff,
        booking_id=booking_id,
        expected_version=version,
        attended=attended,
    )
    return _detail(booking, response)
