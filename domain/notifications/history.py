"""Notifications as admins read them: what was sent to whom, on which channel, and how it went."""

from __future__ import annotations

from sqlmodel import col, select

from domain.kernel.paging import page_of
from domain.kernel.uow import UnitOfWork
from domain.models import Notification, StaffUser
from domain.notifications.codes import SECRET_EVENTS
from domain.staff.access import require_admin

HIDDEN_CODE = "(a one-time code: not shown)"


def page_notifications(
    *,
    uow: UnitOfWork,
    staff: StaffUser,
    status: str | None,
    channel: str | None,
    client_id: str | None,
    booking_id: str | None,
    event: str | None,
    limit: int,
    offset: int,
) -> tuple[list[Notification], int]:
    """Return a page of notifications, newest first, filtered by what is given."""
    require_admin(staff)
    query = select(Notification).order_by(
        col(Notification.created_at).desc(), col(Notification.id).desc()
    )
    for column, wanted in (
        (Notification.status, status),
        (Notification.channel, channel),
        (Notification.client_id, client_id),
        (Notification.booking_id, booking_id),
        (Notification.event, event),
    ):
        if wanted is not None:
            query = query.where(col(column) == wanted)
    with uow.reading() as reader:
        found, total = page_of(reader.session, query, limit=limit, offset=offset)
    # Closed, the session can no longer write these back: a code is for its client's eyes only.
    for notification in found:
        if notification.event in SECRET_EVENTS and notification.body:
            notification.body = HIDDEN_CODE
    return found, total
