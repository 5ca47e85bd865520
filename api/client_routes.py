"""Clients over REST: admins see all of them, providers those who booked with them."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request, Response
from pydantic import AfterValidator, BaseModel, Field, StrictFloat, StrictInt, StringConstraints

from api.bootstrap import frontdesk_of
from api.conventions import Changes, IfMatch, Page, PageQuery, StaffMember, page, tagged
from domain.clients.records import page_clients, read_client, update_client
from domain.clients.registration import (
    PROFILE_FIELD,
    checked_contact,
    create_client,
)
from domain.kernel.errors import InvalidInput
from domain.models import Client


def _email_as_stored(raw: str) -> str | None:
    """Check an email as the domain does, so a bad one is refused by field (422)."""
    try:
        return checked_contact("email", raw, region=None)
    except InvalidInput as exc:
        raise ValueError(exc.message) from exc


Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
# A blank phone or email is none, as null is. A phone is read by the domain, in the practice's
# region ("0170 34419208" is stored as +4917034419208): one that is no number is a 422 naming it.
Phone = Annotated[str, Field(max_length=40)]
Email = Annotated[str, Field(max_length=254), AfterValidator(_email_as_stored)]
ProfileField = Annotated[str, StringConstraints(pattern=PROFILE_FIELD.pattern)]
ProfileValue = Annotated[str, Field(max_length=1000)] | StrictInt | StrictFloat
IdempotencyKey = Annotated[
    str | None,
    Header(
        max_length=200,
        description="Any unique text; sending the same request again with it creates nothing.",
    ),
]


class ClientCreate(BaseModel):
    name: Name
    phone: Phone | None = None
    email: Email | None = None
    profile: dict[ProfileField, ProfileValue] = {}


class ClientUpdate(Changes):
    nullable = frozenset({"phone", "email"})

    name: Name | None = None
    phone: Phone | None = None
    email: Email | None = None
    # Merged into the profile; a field set to null is removed from it.
    profile: dict[ProfileField, ProfileValue | None] | None = None


class ClientBrief(BaseModel):
    """A client as lists show them: enough to recognise one; no profile (its reads are audited)."""

    id: str
    name: str
    phone: str | None
    email: str | None
    version: int


class ClientRead(ClientBrief):
    profile: dict[str, str]
    # The language the client is answered in (en, de, ru), once known; staff see it, not edit it.
    language: str | None = None
    created_at: datetime


client_router = APIRouter(prefix="/clients", tags=["clients"])


def _read(client: Client, response: Response) -> ClientRead:
    tagged(response, client.version)
    return ClientRead.model_validate(client, from_attributes=True)


@client_router.get("", response_model=Page[ClientBrief])
def list_clients(
    request: Request,
    staff: StaffMember,
    paged: PageQuery,
    q: Annotated[
        str | None, Query(max_length=200, description="Part of the name, phone or email")
    ] = None,
) -> Page[ClientBrief]:
    """Clients by name; a provider sees only clients who booked with them."""
    found, total = page_clients(
        uow=frontdesk_of(request).uow(),
        staff=staff,
        search=q,
        limit=paged.limit,
        offset=paged.offset,
    )
    return page([ClientBrief.model_validate(c, from_attributes=True) for c in found], total, paged)


@client_router.post("", response_model=ClientRead, status_code=201)
def create(
    request: Request,
    response: Response,
    staff: StaffMember,
    client_in: ClientCreate,
    idempotency_key: IdempotencyKey = None,
) -> ClientRead:
    """Register a client (one on the phone, say); admins and providers may."""
    client = create_client(
        uow=frontdesk_of(request).uow(),
        staff=staff,
        name=client_in.name,
        phone=client_in.phone,
        email=client_in.email,
        profile=client_in.profile,
        idempotency_key=idempotency_key or uuid.uuid4().hex,
    )
    return _read(client, response)


@client_router.get("/{client_id}", response_model=ClientRead)
def read(request: Request, response: Response, staff: StaffMember, client_id: str) -> ClientRead:
    """One client with their profile; every read is in the audit log."""
    client = read_client(uow=frontdesk_of(request).uow(), staff=staff, client_id=client_id)
    return _read(client, response)


@client_router.patch("/{client_id}", response_model=ClientRead)
def update(
    request: Request,
    response: Response,
    staff: StaffMember,
    version: IfMatch,
    client_id: str,
    client_in: ClientUpdate,
) -> ClientRead:
    """Correct the fields sent; `If-Match` must carry the ETag read (412 if it changed since)."""
    client = update_client(
        uow=frontdesk_of(request).uow(),
        staff=staff,
        client_id=client_id,
        expected_version=version,
        changes=client_in.changes(),
    )
    return _read(client, response)
