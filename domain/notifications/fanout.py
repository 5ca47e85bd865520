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

from sqlalchemy.exc import DataError, IntegrityError
from sqlmodel import col, select

from domain.clients.preferences import channels_for
from domain.kernel.errors import DomainError
from domain.kernel.uow import UnitOfWork
from domain.models import Booking, BookingStatus, Client, Notification, OutboxMessage
from domain.models.notifications import NotificationStatus
from domain.notifications.codes import (
    SECRET_EVENTS,
    destination_of,
    forget_code,
    secret_message,
)
from domain.notifications.opt_outs import OPTED_OUT, number_opted_out
from domain.notifications.rendering import RenderedNotification
from domain.notifications.template_values import booking_context
from domain.notifications.templates import render_notification

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
# What a malformed message (a payload missing a key, a start that is no date, a value too
# long for its column) raises: that message is failed for good, the others go on.
BAD_DATA = (KeyError, ValueError, TypeError, DomainError, DataError)


@dataclass(frozen=True)
class FanOutReport:
    messages: int  # outbox messages taken
    notifications: int  # notifications created from them


def fan_out(*, uow: UnitOfWork, channels: Collection[str], limit: int = 100) -> FanOutReport:
    """Fan out up to `limit` pending outbox messages, in one transaction."""
    with uow:
        taken = _pending(uow, [*TEMPLATE_EVENTS, *STAFF_EVENTS], limit)
        codes = _pending(uow, list(SECRET_EVENTS), limit)
        taken += [m for m in codes if _code_is_ours(m, channels)]
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
        forget_code(message)  # in its notification's body now, until it is sent
        return len(made)
    except BAD_DATA:  # one malformed message must not hold back the whole outbox
        log.exception("could not fan out outbox message %s (%s)", message.id, message.event)
        message.status = FAILED
        forget_code(message)  # never to be sent
        return 0
    # Anything else (the database away, a lock timeout) rolls the whole fan-out back: the
    # messages stay pending and the next tick tries them again.


def _notifications(
    uow: UnitOfWork, message: OutboxMessage, channels: Collection[str]
) -> list[Notification]:
    payload = message.payload
    if message.event in SECRET_EVENTS:
        channel, to = str(payload["channel"]), destination_of(uow.session, payload)
        # A number that texted STOP gets no code: the notification is failed, without it.
        opted_out = channel == "sms" and number_opted_out(uow.session, to)
        code = secret_message(message.event, channel, payload)
        notification = _notification(
            uow,
            message,
            message.event,
            channel,
            to,
            RenderedNotification("", "") if opted_out else code,
            client_id=payload.get("client_id"),
            booking_id=None,
        )
        if opted_out:
            notification.status, notification.error = NotificationStatus.FAILED, OPTED_OUT
        return [notification]
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


def outdated(now: datetime, booking: Booking, event: str, payload: dict[str, Any]) -> str:
    """Why a notification about this booking must not go out now (or ""), checked at sending.

    Fan-out and sending may be minutes (retries: hours) apart: a confirmation or reminder
    must not reach a client after the booking was cancelled, nor tell a start it has moved
    from. `event` is the notification's (template) event, `payload` its outbox message's.
    """
    if event == "booking.cancelled":
        return ""  # that one is meant for a cancelled booking
    if booking.status == BookingStatus.CANCELLED:
        return "booking cancelled"
    if event == "booking.reminder":
        return "reminder outdated" if _outdated_reminder(now, booking, payload) else ""
    if event in ("booking.confirmed", "booking.changed") and "start" in payload:
        moved = booking.starts_at != datetime.fromisoformat(str(payload["start"]))
        if moved or booking.provider_id != payload.get("provider_id", booking.provider_id):
            return "booking moved since"
    return ""


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
