"""Reminders before appointments: one outbox message per (booking, hours before, start).

Each tick looks at the confirmed bookings starting within the longest reminder lead and
enqueues the reminders whose moment (start minus h hours) has come. The dedupe key names the
booking, h and the start, so a reminder is enqueued once however many ticks or workers see
it, and a booking moved to another start gets reminders of its own.

Reminders not worth sending are skipped, on purpose:
- one whose moment had passed when the booking was confirmed at its start (booked two hours
  ahead: no "tomorrow" reminder; the confirmation says it all);
- one more than half its lead late (a worker down for two days sends no stale "tomorrow"
  reminders; a 1 h reminder is still sent 30 minutes late, not later);
- one overtaken by a shorter one that is also due (only the nearest is sent).
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from domain.kernel.uow import UnitOfWork
from domain.models import Booking, BookingStatus, OutboxMessage

REMINDER_EVENT = "booking.reminder"


def reminder_key(booking: Booking, hours: int) -> str:
    return f"reminder:{booking.id}:{hours}:{booking.starts_at.isoformat()}"


def due_reminder(booking: Booking, hours_before: Collection[int], now: datetime) -> int | None:
    """The hours-before of the one reminder to send for this booking now, if any."""
    if booking.status != BookingStatus.CONFIRMED or now >= booking.starts_at:
        return None
    # The booking's last transition (confirmed, or moved) is when it was settled at this start.
    settled_at = booking.updated_at
    for hours in sorted(set(hours_before)):  # the nearest first: it overtakes longer ones
        lead = timedelta(hours=hours)
        moment = booking.starts_at - lead
        if moment > now:
            continue
        if moment < settled_at or now > moment + lead / 2:
            return None
        return hours
    return None


def enqueue_due_reminders(*, uow: UnitOfWork, hours_before: Collection[int]) -> int:
    """Enqueue every reminder due now that is not enqueued yet; return how many were."""
    if not hours_before:
        return 0
    made = 0
    with uow:
        now = uow.now()
        bookings = uow.session.exec(
            select(Booking).where(
                col(Booking.status) == BookingStatus.CONFIRMED,
                col(Booking.starts_at) > now,
                col(Booking.starts_at) <= now + timedelta(hours=max(hours_before)),
            )
        )
        for booking in bookings:
            hours = due_reminder(booking, hours_before, now)
            if hours is not None and _enqueue_once(uow, booking, hours):
                made += 1
        uow.commit()
    return made


def _enqueue_once(uow: UnitOfWork, booking: Booking, hours: int) -> bool:
    key = reminder_key(booking, hours)
    if uow.session.exec(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == key)).first():
        return False
    reminder = OutboxMessage(
        created_at=uow.now(),
        event=REMINDER_EVENT,
        subject_id=booking.id,
        dedupe_key=key,
        payload={
            "booking_id": booking.id,
            "client_id": booking.client_id,
            "start": booking.starts_at.isoformat(),
            "hours_before": hours,
        },
    )
    try:
        # A savepoint: another worker enqueuing the same reminder meanwhile costs this
        # transaction nothing but this one row.
        with uow.session.begin_nested():
            uow.session.add(reminder)
    except IntegrityError:
        return False
    return True
