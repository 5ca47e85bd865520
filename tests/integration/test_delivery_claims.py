"""Claiming due notifications, retrying with backoff, giving up; several workers at once."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from domain.kernel.clock import FrozenClock
from domain.kernel.journal import enqueue
from domain.kernel.uow import UnitOfWork
from domain.models import Notification, OutboxMessage
from domain.notifications.claims import (
    LEASE,
    Claim,
    claim_due,
    record_failure,
    record_sent,
    release_unsent,
)
from tests.integration.test_delivery_fanout import all_at_once


def queue(uow: UnitOfWork, count: int) -> list[int]:
    """Notifications waiting to be sent, each for an outbox message of its own."""
    with uow:
        for number in range(count):
            enqueue(uow, event="booking.confirmed", subject_id=f"b{number}", payload={})
        uow.session.flush()
        made = []
        for message in uow.session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id))):
            row = Notification(
                outbox_id=message.id or 0,
                event="booking.confirmed",
                channel="email",
                to_address=f"client{message.id}@example.com",
                subject="Confirmed",
                body="<p>Hello</p>",
                next_attempt_at=uow.now(),
                created_at=uow.now(),
                updated_at=uow.now(),
            )
            uow.session.add(row)
            made.append(row)
        uow.commit()
    return [row.id or 0 for row in made]


def row(uow: UnitOfWork, notification_id: int) -> Notification:
    with uow.reading() as reader:
        return reader.session.get_one(Notification, notification_id)


def test_a_claim_leases_the_due_notifications_to_one_worker(
    uow: UnitOfWork, clock: FrozenClock
) -> None:
    ids = queue(uow, 3)

    claims = claim_due(uow=uow, limit=10)

    assert [c.notification_id for c in claims] == ids
    assert claim_due(uow=uow, limit=10) == []
    claimed = row(uow, ids[0])
    assert (claimed.status, claimed.attempts) == ("sending", 1)
    assert claimed.claimed_until == clock.now() + LEASE


def test_a_sent_notification_keeps_the_channels_id_and_is_not_claimed_again(
    uow: UnitOfWork, clock: FrozenClock
) -> None:
    (notification_id,) = queue(uow, 1)
    (claim,) = claim_due(uow=uow, limit=10)

    record_sent(uow=uow, claim=claim, provider_message_id="<notification-1@example.com>")

    sent = row(uow, notification_id)
    assert (sent.status, sent.provider_message_id) == ("sent", "<notification-1@example.com>")
    clock.advance(LEASE * 2)
    assert claim_due(uow=uow, limit=10) == []


def test_the_claims_of_a_worker_that_died_are_taken_again_once_the_lease_runs_out(
    uow: UnitOfWork, clock: FrozenClock
) -> None:
    (notification_id,) = queue(uow, 1)
    claim_due(uow=uow, limit=10)  # ... and the worker is killed

    clock.advance(LEASE - timedelta(seconds=1))
    assert claim_due(uow=uow, limit=10) == []
    clock.advance(timedelta(seconds=2))
    (again,) = claim_due(uow=uow, limit=10)

    assert (again.notification_id, again.attempt) == (notification_id, 2)


def test_a_late_outcome_of_a_lease_taken_over_changes_nothing(
    uow: UnitOfWork, clock: FrozenClock
) -> None:
    (notification_id,) = queue(uow, 1)
    (first,) = claim_due(uow=uow, limit=10)
    clock.advance(LEASE * 2)
    (second,) = claim_due(uow=uow, limit=10)

    assert record_failure(uow=uow, claim=first, reason="timed out", permanent=False) is None
    assert row(uow, notification_id).status == "sending"
    record_sent(uow=uow, claim=second, provider_message_id="x")
    assert row(uow, notification_id).status == "sent"


def test_a_transient_failure_is_retried_later_and_later_then_given_up(
    uow: UnitOfWork, clock: FrozenClock
) -> None:
    (notification_id,) = queue(uow, 1)
    waits = []
    for attempt in range(1, 9):
        (claim,) = claim_due(uow=uow, limit=10)
        assert claim.attempt == attempt
        status = record_failure(
            uow=uow, claim=claim, reason="451 try later", permanent=False, jitter=random.Random(7)
        )
        failed = row(uow, notification_id)
        if attempt < 8:
            assert status == "queued"
            waits.append(failed.next_attempt_at - clock.now())
            assert claim_due(uow=uow, limit=10) == []  # not before its time
            clock.at = failed.next_attempt_at
    assert (status, failed.status, failed.attempts, failed.error) == (
        "failed",
        "failed",
        8,
        "451 try later",
    )
    assert waits == sorted(waits)
    assert timedelta(seconds=15) <= waits[0] <= timedelta(seconds=30)
    assert waits[-1] <= timedelta(hours=1)
    clock.advance(timedelta(days=1))
    assert claim_due(uow=uow, limit=10) == []


def test_a_permanent_refusal_is_not_retried(uow: UnitOfWork, clock: FrozenClock) -> None:
    (notification_id,) = queue(uow, 1)
    (claim,) = claim_due(uow=uow, limit=10)

    record_failure(uow=uow, claim=claim, reason="550 no such user", permanent=True)

    failed = row(uow, notification_id)
    assert (failed.status, failed.attempts, failed.error) == ("failed", 1, "550 no such user")
    clock.advance(timedelta(days=1))
    assert claim_due(uow=uow, limit=10) == []


def test_claims_a_stopping_worker_gives_back_are_due_again_at_once(uow: UnitOfWork) -> None:
    queue(uow, 2)
    claims = claim_due(uow=uow, limit=10)

    release_unsent(uow=uow, claims=claims)

    again = claim_due(uow=uow, limit=10)
    assert [(c.notification_id, c.attempt) for c in again] == [
        (c.notification_id, 1) for c in claims
    ]


def test_workers_claiming_at_once_never_claim_the_same_notification(
    uow: UnitOfWork, clock: FrozenClock
) -> None:
    ids = queue(uow, 60)

    def worker() -> list[Claim]:
        mine: list[Claim] = []
        while claims := claim_due(uow=UnitOfWork(uow.engine, clock), limit=4):
            mine.extend(claims)
        return mine

    claimed = [c.notification_id for claims in all_at_once(6, worker) for c in claims]
    assert sorted(claimed) == ids


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_on_postgresql_a_claim_skips_rows_another_transaction_is_claiming(
    uow: UnitOfWork, engine: Engine
) -> None:
    ids = queue(uow, 5)
    with Session(engine) as other:
        # Another worker's claim, caught half-way: it holds the first two rows locked.
        locked = other.exec(
            select(Notification)
            .order_by(col(Notification.id))
            .limit(2)
            .with_for_update(skip_locked=True)
        ).all()
        assert [n.id for n in locked] == ids[:2]

        claims = claim_due(uow=uow, limit=10)  # does not wait for the other transaction

        assert [c.notification_id for c in claims] == ids[2:]
        other.rollback()
    assert [c.notification_id for c in claim_due(uow=uow, limit=10)] == ids[:2]


def test_a_send_that_never_finishes_is_given_up_after_the_last_attempt(
    uow: UnitOfWork, clock: FrozenClock
) -> None:
    (notification_id,) = queue(uow, 1)
    for attempt in range(1, 4):
        (claim,) = claim_due(uow=uow, limit=10, max_attempts=3)  # ... and the worker is killed
        assert claim.attempt == attempt
        clock.advance(LEASE * 2)

    assert claim_due(uow=uow, limit=10, max_attempts=3) == []
    given_up = row(uow, notification_id)
    assert (given_up.status, given_up.attempts, given_up.claimed_until) == ("failed", 3, None)
    assert given_up.error.startswith("gave up after 3 attempts")
    clock.advance(timedelta(days=1))
    assert claim_due(uow=uow, limit=10, max_attempts=3) == []


def test_rows_given_up_do_not_take_the_places_of_due_ones_in_a_claim(
    uow: UnitOfWork, clock: FrozenClock
) -> None:
    ids = queue(uow, 4)
    stuck, fresh = ids[:2], ids[2:]
    claim_due(uow=uow, limit=2, max_attempts=1)  # the first two... and the worker is killed
    clock.advance(LEASE * 2)

    claims = claim_due(uow=uow, limit=2, max_attempts=1)

    assert [c.notification_id for c in claims] == fresh
    assert [row(uow, n).status for n in stuck] == ["failed", "failed"]
