"""The audit log over REST, for admins only: read, never changed."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from pydantic import AwareDatetime, BaseModel, StringConstraints

from api.bootstrap import frontdesk_of
from api.conventions import Admin, Page, PageQuery, page
from domain.staff.audit_trail import get_audit_event, page_audit_events

# Ids are the databases' 64-bit integers.
MAX_ID = 2**63 - 1


# Each action is one OR term; SQLite refuses expressions past 1,000 terms deep.
MAX_ACTIONS = 20


class AuditEventRead(BaseModel):
    id: int
    at: datetime
    actor_kind: str
    actor_id: str | None
    action: str
    subject_type: str
    subject_id: str
    channel: str
    details: dict[str, Any]


audit_router = APIRouter(prefix="/audit-events", tags=["audit"])


@audit_router.get("", response_model=Page[AuditEventRead])
def list_audit_events(
    request: Request,
    admin: Admin,
    paged: PageQuery,
    actor_id: Annotated[str | None, Query(max_length=64)] = None,
    action: Annotated[
        list[Annotated[str, StringConstraints(max_length=64)]] | None,
        Query(
            max_length=MAX_ACTIONS,
            description='Repeatable (up to 20); "booking.*" stands for every booking action',
        ),
    ] = None,
    subject_type: Annotated[str | None, Query(max_length=32)] = None,
    subject_id: Annotated[str | None, Query(max_length=255)] = None,
    since: Annotated[
        AwareDatetime | None, Query(alias="from", description="From this instant, included")
    ] = None,
    until: Annotated[
        AwareDatetime | None, Query(alias="to", description="Up to this instant, excluded")
    ] = None,
) -> Page[AuditEventRead]:
    """Who did what to which record, newest first."""
    found, total = page_audit_events(
        uow=frontdesk_of(request).uow(),
        staff=admin,
        actor_id=actor_id,
        actions=action or [],
        subject_type=subject_type,
        subject_id=subject_id,
        since=since,
        until=until,
        limit=paged.limit,
        offset=paged.offset,
    )
    items = [AuditEventRead.model_validate(e, from_attributes=True) for e in found]
    return page(items, total, paged)


@audit_router.get("/{event_id}", response_model=AuditEventRead)
def read(
    request: Request, admin: Admin, event_id: Annotated[int, Path(ge=1, le=MAX_ID)]
) -> AuditEventRead:
    event = get_audit_event(uow=frontdesk_of(request).uow(), staff=admin, event_id=event_id)
    return AuditEventRead.model_validate(event, from_attributes=True)
