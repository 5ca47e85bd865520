"""Claiming due notifications for sending, and recording how each send went.

A claim is a short transaction of its own: the rows become `sending` with a lease
(`claimed_until`) and one more attempt, and the transaction commits before anything is sent.
On PostgreSQL `FOR UPDATE SKIP LOCKED` lets several workers claim side by side, each taking
rows no other is claiming; on SQLite the write transaction makes claims take turns.

A worker that dies mid-send leaves its rows `sending`; once the lease has run out they are
due again and another worker (or the same one, restarted) claims them. The one window in
which a message can go out twice is between the channel accepting it and the commit of
`sent` that follows at once; the worker commits each send's outcome right after it, never a
batch at a time, so that window is one message wide and a few milliseconds long. An email's
Message-ID is the notification's own, so a mail client can still tell the copies apart.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, or_
from sqlmodel import col, select

from domain.kernel.uow import UnitOfWork
from domain.models import Booking, Notification, OutboxMessage
from domain.models.notifications import NotificationStatus
from domain.notifications.codes import SECRET_EVENTS
from domain.notifications.fanout import outdated

LEASE = timedelta(minutes=5)
MAX_ATTEMPTS = 8
FIRST_RETRY = timedelta(seconds=30)
LONGEST_WAIT = timedelta(hours=1)
MAX_ERROR = 1000


@dataclass(frozen=True)
class Claim:
    """A notification this worker holds the lease on, with what its courier needs."""

    notification_id: int
    attempt: int  # the notification's attempts count this claim set: the claim's fingerprint
    channel: str
    to: str
    subject: str
    body: str


def claim_due(
    *,
    uow: UnitOfWork,
    limit: int,
    lease: timedelta = LEASE,
    max_attempts: int = MAX_ATTEMPTS,
) -> list[Claim]:
    """Claim up to `limit` notifications due now: queued ones and ones whose lease ran out.

    Two kinds of due rows are failed here instead of claimed: one whose lease ran out after
    its last allowed attempt (its send crashed or hung the worker that many times: sending
    it again would only do the same), and one whose booking changed since it was fanned out
    (a confirmation of a booking since cancelled, a reminder of a start since moved).
    """
    claimed: list[Notification] = []
    with uow:
        now = uow.now()
        due = or_(
            and_(
                col(Notification.status) == NotificationStatus.QUEUED,
                col(Notification.next_attempt_at) <= now,
            ),
            and_(
                col(Notification.status) == NotificationStatus.SENDING,
                col(Notification.claimed_until) < now,
            ),
        )
        while len(claimed) < limit:
            rows = list(
                uow.session.exec(
                    select(Notification)
                    .where(due)
                    .order_by(col(Notification.next_attempt_at), col(Notification.id))
                    .limit(limit - len(claimed))
                    .with_for_update(skip_locked=True)
                )
            )
            if not rows:
                break
            for row in rows:
                reason = _not_to_send(uow, row, max_attempts)
                if reason:
                    _give_up(row, reason, now)
                    continue
                row.status = NotificationStatus.SENDING
                row.attempts += 1
                row.claimed_until = now + lease
                row.updated_at = now
                claimed.append(row)
            uow.session.flush()  # the rows given up or claimed are no longer due
        uow.commit()
    return [
        Claim(
            notification_id=row.id or 0,
            attempt=row.attempts,
            channel=row.channel,
            to=row.to_address,
            subject=row.subject,
            body=row.body,
        )
        for row in claimed
    ]


def _not_to_send(uow: UnitOfWork, row: Notification, max_attempts: int) -> str:
    """Why this due notification must not be sent (again), or "" if it may."""
    if row.status == NotificationStatus.SENDING and row.attempts >= max_attempts:
        return (
            f"gave up after {row.attempts} attempts: each send was left unfinished "
            "(the worker stopped or hung while sending it)"
        )
    if row.booking_id is None:
        return ""
    booking = uow.session.get(Booking, row.booking_id)
    message = uow.session.get(OutboxMessage, row.outbox_id)
    if booking is None or message is None:
        return ""
    return outdated(uow.now(), booking, row.event, message.payload)


def _give_up(row: Notification, reason: str, now: datetime) -> None:
    row.status = NotificationStatus.FAILED
    row.error = reason[:MAX_ERROR]
    row.claimed_until = None
    row.updated_at = now
    _forget_code(row)  # never to be sent now: the code need not be kept either


def _forget_code(row: Notification) -> None:
    """Empty a one-time code's body once it is sent or given up on: only its hash is kept."""
    if row.event in SECRET_EVENTS:
        row.body = ""


def record_sent(*, uow: UnitOfWork, claim: Claim, provider_message_id: str | None) -> None:
    """Mark it sent (the time is its updated_at), whoever holds the lease: it did go out."""
    with uow:
        row = uow.session.get(Notification, claim.notification_id, with_for_update=True)
        if row is None or row.status in (NotificationStatus.SENT, NotificationStatus.DELIVERED):
            return
        row.status = NotificationStatus.SENT
        row.provider_message_id = provider_message_id
        row.claimed_until = None
        row.error = ""
        row.updated_at = uow.now()
        _forget_code(row)  # a one-time code is kept no longer than it takes to send it
        uow.commit()


def record_failure(
    *,
    uow: UnitOfWork,
    claim: Claim,
    reason: str,
    permanent: bool,
    max_attempts: int = MAX_ATTEMPTS,
    jitter: random.Random | None = None,
) -> NotificationStatus | None:
    """Queue it again after a backoff, or give up; return the new status (None: not ours now)."""
    with uow:
        row = uow.session.get(Notification, claim.notification_id, with_for_update=True)
        if not _still_ours(row, claim) or row is None:
            return None
        now = uow.now()
        if permanent or row.attempts >= max_attempts:
            _give_up(row, reason, now)
        else:
            row.error = reason[:MAX_ERROR]
            row.claimed_until = None
            row.updated_at = now
            row.status = NotificationStatus.QUEUED
            row.next_attempt_at = now + backoff(row.attempts, jitter or random.Random())  # noqa: S311 (spreading retries, not a secret)
        uow.commit()
        return NotificationStatus(row.status)


def release_unsent(*, uow: UnitOfWork, claims: list[Claim]) -> None:
    """Give back claims a stopping worker will not send, so they need not wait out the lease."""
    if not claims:
        return
    with uow:
        for claim in claims:
            row = uow.session.get(Notification, claim.notification_id, with_for_update=True)
            if row is not None and _still_ours(row, claim):
                row.status = NotificationStatus.QUEUED
                row.attempts -= 1  # never tried
                row.claimed_until = None
                row.updated_at = uow.now()
        uow.commit()


def backoff(attempts: int, jitter: random.Random) -> timedelta:
    """Wait twice as long after each failed attempt, capped, less up to half at random.

    The randomness spreads retries out, so notifications that failed together (a provider's
    outage) do not all come back at the same instant.
    """
    exponential: timedelta = FIRST_RETRY * 2 ** max(attempts - 1, 0)
    ceiling: timedelta = min(exponential, LONGEST_WAIT)
    return ceiling * (0.5 + jitter.random() / 2)


def _still_ours(row: Notification | None, claim: Claim) -> bool:
    """The row is still `sending` under this claim, not re-claimed after our lease ran out."""
    return (
        row is not None
        and row.status == NotificationStatus.SENDING
        and row.attempts == claim.attempt
    )
