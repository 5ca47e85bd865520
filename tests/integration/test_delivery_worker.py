"""The worker's pass when recording an outcome fails: the other claims are recorded all the same."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import create_engine
from sqlmodel import col, select

from channels.couriers import Outgoing
from channels.delivery_worker import DeliveryWorker
from domain.kernel.clock import FrozenClock
from domain.kernel.uow import UnitOfWork
from domain.models import Notification, OutboxMessage
from tests.integration.test_delivery_claims import queue


@dataclass
class Flaky:
    """Units of work for the worker; after a chosen send, the next few find no database."""

    uow: UnitOfWork
    broken_from: Path
    failing: int = 0
    failures: int = 0

    def __call__(self) -> UnitOfWork:
        if self.failing:
            self.failing -= 1
            self.failures += 1
            # A real database that cannot be opened: its directory does not exist.
            return UnitOfWork(create_engine(f"sqlite:///{self.broken_from}/db"), self.uow.clock)
        return UnitOfWork(self.uow.engine, self.uow.clock)


@dataclass
class Recorder:
    """An email channel that accepts everything, and breaks the database after chosen sends."""

    flaky: Flaky
    breaks: dict[str, int]
    channel: str = "email"
    sent: list[str] = field(default_factory=list)

    async def send(self, message: Outgoing) -> str | None:
        self.sent.append(message.to)
        self.flaky.failing = self.breaks.get(message.to, 0)
        return f"id-{message.notification_id}"


def queued(uow: UnitOfWork, count: int) -> list[int]:
    """Notifications ready to send, their outbox messages already fanned out."""
    ids = queue(uow, count)
    with uow:
        for message in uow.session.exec(select(OutboxMessage)):
            message.status = "done"
        uow.commit()
    return ids


def statuses(uow: UnitOfWork) -> list[tuple[str, str | None]]:
    with uow.reading() as reader:
        rows = reader.session.exec(select(Notification).order_by(col(Notification.id)))
        return [(n.status, n.provider_message_id) for n in rows]


def worker(uow: UnitOfWork, tmp_path: Path, breaks: dict[int, int]) -> tuple[DeliveryWorker, Flaky]:
    flaky = Flaky(uow, tmp_path / "missing")
    courier = Recorder(flaky, {f"client{n}@example.com": count for n, count in breaks.items()})
    return DeliveryWorker(uow=flaky, couriers={"email": courier}, concurrency=1), flaky


def test_a_send_recorded_at_the_second_try_counts_and_the_others_follow(
    uow: UnitOfWork, clock: FrozenClock, tmp_path: Path
) -> None:
    ids = queued(uow, 3)
    delivery, flaky = worker(uow, tmp_path, {ids[0]: 1})

    report = asyncio.run(delivery.run_once())

    assert flaky.failures == 1
    assert report.sent == 3
    assert statuses(uow) == [("sent", f"id-{n}") for n in ids]


def test_a_send_that_cannot_be_recorded_does_not_hold_back_the_others(
    uow: UnitOfWork, clock: FrozenClock, tmp_path: Path
) -> None:
    ids = queued(uow, 3)
    delivery, flaky = worker(uow, tmp_path, {ids[0]: 2})

    report = asyncio.run(delivery.run_once())

    assert flaky.failures == 2
    assert report.sent == 3  # all went out; the first is sent again once its lease runs out
    assert statuses(uow) == [("sending", None)] + [("sent", f"id-{n}") for n in ids[1:]]
