"""Notifications over REST, for admins only: what was sent to clients, where, and how it went."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, StringConstraints

from api.bootstrap import frontdesk_of
from api.conventions import REFERENCE, Admin, Page, PageQuery, page
from domain.notifications.history import page_notifications

Status = Literal["queued", "sending", "sent", "delivered", "failed"]
Channel = Literal["email", "sms", "telegram"]
Reference = Annotated[str, StringConstraints(pattern=REFERENCE)]
EventName = Annotated[str, StringConstraints(pattern=r"^[a-z_]+(\.[a-z_]+)*$", max_length=64)]


class NotificationRead(BaseModel):
    id: int
    outbox_id: int
    event: str
    channel: str
    client_id: str | None
    booking_id: str | None
    to_address: str
    subject: str
    body: str
    status: str
    attempts: int
    next_attempt_at: datetime
    provider_message_id: str | None
    error: str
    created_at: datetime
    updated_at: datetime  # for a sent one: when the channel took it


notification_router = APIRouter(prefix="/notifications", tags=["notifications"])


@notification_router.get("", response_model=Page[NotificationRead])
def list_notifications(
    request: Request,
    admin: Admin,
    paged: PageQuery,
    status: Status | None = None,
    channel: Channel | None = None,
    client: Annotated[Reference | None, Query(description="A client's id")] = None,
    booking: Annotated[Reference | None, Query(description="A booking's id")] = None,
    event: Annotated[EventName | None, Query(description="e.g. booking.reminder")] = None,
) -> Page[NotificationRead]:
    """Notifications to clients, newest first."""
    found, total = page_notifications(
        uow=frontdesk_of(request).uow(),
        staff=admin,
        status=status,
        channel=channel,
        client_id=client,
        booking_id=booking,
        event=event,
        limit=paged.limit,
        offset=paged.offset,
    )
    items = [NotificationRead.model_validate(n, from_attributes=True) for n in found]
    return page(items, total, paged)
