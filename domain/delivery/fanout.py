"""Turning pending outbox messages into one Notification per channel the client hears on.

Only channels with a courier are fanned out to: a channel nobody configured would only pile
up notifications that can never leave. The outbox row is marked done in the same transaction
as its notifications, and (outbox_id, channel) is unique, so a second worker fanning out the
same message at the same moment adds nothing (PostgreSQL: it skips the locked rows; SQLite:
the write lock makes the two take turns).
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from domain.delivery.codes import CODE_EVENT, code_message
from domain.delivery.context import booking_context
from domain.errors import DomainError
from domain.models import Booking, BookingStatus, Client, Notification, OutboxMessage
from domain.models.notifications import NotificationStatus
from domain.notification_templates import render_notification
from domain.notifications.rendering import RenderedNotification
from domain.preferences import channels_for
from domain.uow import UnitOfWork

log = logging.getLogger("frontdesk.delivery")

# The outbox's event name -> the template event a client is told about it with.
TEMPLATE_EVENTS = {
    "booking.confirmed": "booking.confirmed",
    "booking.rescheduled": "booking.changed",
    "booking.cancelled": "booking.cancelled",
    "documents.requested": "documents.requested",
    "booking.reminder": "booking.reminder",
}
# Events for staff, not clients: consumed here so the outbox does not grow with them.
STAFF_EVENTS = ("conversation.handoff_requested",)
PENDING, DONE, FAILED = "pending", "done", "failed"


@dataclass(frozen=True)
class FanOutReport:
    messages: int  # outbox messages taken
    notifications: int  # notifications created from them


def fan_out(*, uow: UnitOfWork, channels: Collection[str], limit: int = 100) -> FanOutReport:
    """Fan out up to `limit` pending outbox messages, in one transaction."""
    with uow:
        taken = _pending(uow, [*TEMPLATE_EVENTS, *STAFF_EVENTS], limit)
        taken += [m for m in _pending(uow, [CODE_EVENT], limit) if _code_is_ours(m, channels)]
        made = 0
        for message in taken:
            made += _fan_out_one(uow, message, channels)
        uow.commit()
    return FanOutReport(messages=len(taken), notifications=made)


def _pending(uow: UnitOfWork, events: list[str], limit: int) -> list[OutboxMessage]:
    query = (
        select(OutboxMessage)
        .where(col(OutboxMessage.status) == PENDING, col(OutboxMessage.event).in_(events))
        .order_by(col(OutboxMessage.id))
        .limit(limit)
        # Another worker's messages are skipped, not waited for (ignored on SQLite, where
        # the write transaction already holds the database).
        .with_for_update(skip_locked=True)
    )
    return list(uow.session.exec(query))


def _code_is_ours(message: OutboxMessage, channels: Collection[str]) -> bool:
    """A code for a channel without a courier is left to the server's log courier."""
    return message.payload.get("channel") in channels


def _fan_out_one(uow: UnitOfWork, message: OutboxMessage, channels: Collection[str]) -> int:
    message.attempts += 1
    try:
        with uow.session.begin_nested():
            made = [n for n in _notifications(uow, message, channels) if _insert(uow, n)]
        message.status = DONE
        return len(made)
    except Exception:  # one malformed message must not hold back the whole outbox
        log.exception("could not fan out outbox message %s (%s)", message.id, message.event)
        message.status = FAILED
        return 0


def _notifications(
    uow: UnitOfWork, message: OutboxMessage, channels: Collection[str]
) -> list[Notification]:
    payload = message.payload
    if message.event == CODE_EVENT:
        rendered = code_message(str(payload["channel"]), str(payload["code"]))
        return [
            _notification(
                uow,
                message,
                CODE_EVENT,
                str(payload["channel"]),
                str(payload["to"]),
                rendered,
                client_id=payload.get("client_id"),
                booking_id=None,
            )
        ]
    event = TEMPLATE_EVENTS.get(message.event)
    if event is None:
        return []
    booking = uow.session.get(Booking, payload.get("booking_id"))
    client = uow.session.get(Client, booking.client_id) if booking else None
    if booking is None or client is None or _outdated_reminder(uow.now(), booking, payload):
        return []
    context = booking_context(uow.session, booking, client, payload)
    made = []
    for channel, address in channels_for(uow.session, client, event).items():
        if channel not in channels:
            continue
        try:
            rendered = render_notification(uow=uow, event=event, channel=channel, context=context)
        except DomainError as exc:  # an admin's template that fails on these values
            made.append(_failed(uow, message, event, channel, address, booking, exc.message))
            continue
        made.append(
            _notification(
                uow,
                message,
                event,
                channel,
                address,
                rendered,
                client_id=client.id,
                booking_id=booking.id,
            )
        )
    return made


def _outdated_reminder(now: datetime, booking: Booking, payload: dict[str, Any]) -> bool:
    """A reminder for a booking cancelled, moved or begun since it was enqueued is dropped."""
    if "hours_before" not in payload:
        return False
    return (
        booking.status != BookingStatus.CONFIRMED
        or booking.starts_at != datetime.fromisoformat(str(payload.get("start")))
        or now >= booking.starts_at
    )


def _notification(
    uow: UnitOfWork,
    message: OutboxMessage,
    event: str,
    channel: str,
    address: str,
    rendered: RenderedNotification,
    *,
    client_id: object,
    booking_id: str | None,
) -> Notification:
    now = uow.now()
    return Notification(
        outbox_id=message.id or 0,  # always set: the message was read from the table
        event=event,
        channel=channel,
        client_id=str(client_id) if client_id else None,
        booking_id=booking_id,
        to_address=address,
        subject=rendered.subject,
        body=rendered.body,
        next_attempt_at=now,
        created_at=now,
        updated_at=now,
    )


def _failed(
    uow: UnitOfWork,
    message: OutboxMessage,
    event: str,
    channel: str,
    address: str,
    booking: Booking,
    reason: str,
) -> Notification:
    made = _notification(
        uow,
        message,
        event,
        channel,
        address,
        RenderedNotification("", ""),
        client_id=booking.client_id,
        booking_id=booking.id,
    )
    made.status, made.error = NotificationStatus.FAILED, reason
    return made


def _insert(uow: UnitOfWork, notification: Notification) -> bool:
    """Insert it unless this (outbox message, channel) already has one; say whether it did."""
    try:
        with uow.session.begin_nested():
            uow.session.add(notification)
    except IntegrityError:
        exists = uow.session.exec(
            select(Notification.id).where(
                col(Notification.outbox_id) == notification.outbox_id,
                col(Notification.channel) == notification.channel,
            )
        ).first()
        if exists is None:
            raise
        return False
    return True
