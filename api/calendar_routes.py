"""A provider's external calendars over REST: admins, and the provider themself, connect,
list, test (sync now) and remove them. Passwords are never returned, nor a feed's path."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from urllib.parse import urlsplit

from fastapi import APIRouter, Path, Request, Response
from pydantic import BaseModel, Field

from api.bootstrap import frontdesk_of
from api.conventions import StaffMember
from domain.calendars.connections import (
    ConnectionCreate,
    add_connection,
    get_connection,
    list_connections,
    remove_connection,
)
from domain.calendars.sync import sync_connection
from domain.models import CalendarConnection, CalendarKind

ConnectionId = Annotated[str, Path(max_length=64)]


class CalendarConnectionCreate(BaseModel):
    """A calendar to read busy time from; it is read once before it is saved."""

    kind: Literal["caldav", "ics_feed"]
    url: Annotated[str, Field(min_length=1, max_length=2048)]
    username: Annotated[str, Field(max_length=255)] = ""
    password: Annotated[str | None, Field(max_length=1024)] = None
    calendar_name: Annotated[
        str, Field(max_length=255, description="CalDAV: a calendar of the account by name")
    ] = ""
    count_tentative: Annotated[bool, Field(description="Whether tentative events block slots")] = (
        True
    )


class CalendarConnectionRead(BaseModel):
    id: str
    provider_id: str
    kind: str
    url: str = Field(description="A feed's server only: its path is often its secret")
    username: str
    has_password: bool
    calendar_name: str
    count_tentative: bool
    last_synced_at: datetime | None
    last_attempt_at: datetime | None
    last_error: str | None


calendar_router = APIRouter(prefix="/providers/{provider_id}/calendars", tags=["calendars"])


@calendar_router.get("", response_model=list[CalendarConnectionRead])
def list_calendars(
    request: Request, staff: StaffMember, provider_id: str
) -> list[CalendarConnectionRead]:
    """The provider's calendar connections, with when each last synced and its last error."""
    found = list_connections(uow=frontdesk_of(request).uow(), staff=staff, provider_id=provider_id)
    return [_read(connection) for connection in found]


@calendar_router.post("", response_model=CalendarConnectionRead, status_code=201)
def create_calendar(
    request: Request,
    staff: StaffMember,
    provider_id: str,
    connection_in: CalendarConnectionCreate,
) -> CalendarConnectionRead:
    """Connect a calendar (admins, or the provider themself); refused with the reason when it
    cannot be read (wrong password, no such calendar, unreachable)."""
    connection = add_connection(
        uow=frontdesk_of(request).uow(),
        staff=staff,
        provider_id=provider_id,
        connection_in=ConnectionCreate(**connection_in.model_dump()),
    )
    return _read(connection)


@calendar_router.post("/{connection_id}/sync", response_model=CalendarConnectionRead)
def sync_calendar(
    request: Request, staff: StaffMember, provider_id: str, connection_id: ConnectionId
) -> CalendarConnectionRead:
    """Read the calendar now; the answer says when it last synced and its error, if any."""
    uow = frontdesk_of(request).uow()
    get_connection(uow=uow, staff=staff, provider_id=provider_id, connection_id=connection_id)
    sync_connection(uow=uow, connection_id=connection_id)
    connection = get_connection(
        uow=uow, staff=staff, provider_id=provider_id, connection_id=connection_id
    )
    return _read(connection)


@calendar_router.delete("/{connection_id}", status_code=204)
def delete_calendar(
    request: Request, staff: StaffMember, provider_id: str, connection_id: ConnectionId
) -> Response:
    """Disconnect the calendar: its events stop blocking slots at once."""
    remove_connection(
        uow=frontdesk_of(request).uow(),
        staff=staff,
        provider_id=provider_id,
        connection_id=connection_id,
    )
    return Response(status_code=204)


def _read(connection: CalendarConnection) -> CalendarConnectionRead:
    return CalendarConnectionRead(
        id=connection.id,
        provider_id=connection.provider_id,
        kind=connection.kind,
        url=_shown_url(connection),
        username=connection.username,
        has_password=connection.password is not None,
        calendar_name=connection.calendar_name,
        count_tentative=connection.count_tentative,
        last_synced_at=connection.last_synced_at,
        last_attempt_at=connection.last_attempt_at,
        last_error=connection.last_error,
    )


def _shown_url(connection: CalendarConnection) -> str:
    if connection.kind == CalendarKind.CALDAV:
        return connection.url
    parts = urlsplit(connection.url)
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}/…"
