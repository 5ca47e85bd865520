"""The notification worker: reminders, fan-out, then claim, send and record, over and over.

Each send's outcome is committed right after the send, one notification at a time, so a
worker killed mid-batch leaves at most the message in hand unrecorded (see
domain.notifications.claims for that window). A stop (SIGTERM, SIGINT) lets the sends in hand
finish and gives the claimed but unsent notifications back.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial
from typing import TypeVar

from anyio import to_thread

from channels.couriers import Courier, DeliveryFailed, Outgoing
from domain.kernel.uow import UnitOfWork
from domain.models.notifications import NotificationStatus
from domain.notifications.claims import (
    LEASE,
    MAX_ATTEMPTS,
    Claim,
    claim_due,
    record_failure,
    record_sent,
    release_unsent,
)
from domain.notifications.fanout import FanOutReport, fan_out
from domain.notifications.opt_outs import OPTED_OUT, opted_out_before_sending
from domain.notifications.reminders import enqueue_due_reminders

log = logging.getLogger("frontdesk.worker")
T = TypeVar("T")


@dataclass(frozen=True)
class PassReport:
    reminders: int = 0
    fanned_out: int = 0
    sent: int = 0
    failed: int = 0  # attempts that failed (queued again or given up)


@dataclass
class DeliveryWorker:
    uow: Callable[[], UnitOfWork]
    couriers: Mapping[str, Courier]
    reminder_hours: tuple[int, ...] = (24, 1)
    batch: int = 20
    concurrency: int = 4  # sends in flight at once
    lease: timedelta = LEASE
    max_attempts: int = MAX_ATTEMPTS
    stopping: asyncio.Event = field(default_factory=asyncio.Event)

    async def run(self, *, interval: float) -> None:
        """Make passes until stopped, resting `interval` seconds when there was nothing to do."""
        while not self.stopping.is_set():
            try:
                report = await self.run_once()
            except Exception:  # the database away for a moment: try again next tick
                log.exception("delivery pass failed")
                report = PassReport()
            if report.sent or report.failed or report.fanned_out:
                continue  # more may be waiting
            with suppress(TimeoutError):
                await asyncio.wait_for(self.stopping.wait(), timeout=interval)

    def stop(self) -> None:
        self.stopping.set()

    async def run_once(self) -> PassReport:
        """Enqueue due reminders, fan the outbox out, then send everything due now."""
        reminders = await to_thread.run_sync(self._enqueue_reminders)
        fanned_out = 0
        while not self.stopping.is_set():
            made = await to_thread.run_sync(self._fan_out)
            fanned_out += made.messages
            if made.messages == 0:
                break
        sent = failed = 0
        while not self.stopping.is_set():
            claims = await to_thread.run_sync(self._claim)
            if not claims:
                break
            outcomes = await self._send_all(claims)
            sent += outcomes.count(True)
            failed += outcomes.count(False)
        return PassReport(reminders=reminders, fanned_out=fanned_out, sent=sent, failed=failed)

    def _enqueue_reminders(self) -> int:
        return enqueue_due_reminders(uow=self.uow(), hours_before=self.reminder_hours)

    def _fan_out(self) -> FanOutReport:
        return fan_out(uow=self.uow(), channels=frozenset(self.couriers))

    def _claim(self) -> list[Claim]:
        return claim_due(
            uow=self.uow(), limit=self.batch, lease=self.lease, max_attempts=self.max_attempts
        )

    async def _send_all(self, claims: list[Claim]) -> list[bool]:
        slots = asyncio.Semaphore(self.concurrency)
        unsent: list[Claim] = []

        async def one(claim: Claim) -> bool | None:
            async with slots:
                if self.stopping.is_set():
                    unsent.append(claim)
                    return None
                return await self._send(claim)

        # A stop starts no new send; the ones in hand finish and are recorded. One claim's
        # trouble (its outcome could not be recorded) leaves the others' outcomes standing.
        try:
            results = await asyncio.gather(*(one(c) for c in claims), return_exceptions=True)
        finally:
            await to_thread.run_sync(partial(release_unsent, uow=self.uow(), claims=unsent))
        for claim, result in zip(claims, results, strict=True):
            if isinstance(result, BaseException):
                log.error("notification %s by %s: %r", claim.notification_id, claim.channel, result)
        return [r for r in results if isinstance(r, bool)]

    async def _send(self, claim: Claim) -> bool:
        failure = await self._attempt(claim)
        if failure is None:
            return True
        status = await self._record(claim, partial(self._failed, claim, failure))
        log.warning(
            "notification %s by %s: %s (%s)", claim.notification_id, claim.channel, failure, status
        )
        return False

    async def _attempt(self, claim: Claim) -> DeliveryFailed | None:
        """Send it and record it sent; or return why it was not."""
        courier = self.couriers.get(claim.channel)
        if courier is None:
            # Fan-out makes none for a channel without a courier; this one was made by a
            # worker configured otherwise, and a later attempt may find one that has it.
            return DeliveryFailed(f"no {claim.channel} courier configured")
        if claim.channel == "sms" and await to_thread.run_sync(self._opted_out, claim):
            # The number texted STOP after this was queued: carriers require that nothing
            # more reaches it, not even a retry of a text queued before.
            return DeliveryFailed(OPTED_OUT, permanent=True)
        outgoing = Outgoing(claim.notification_id, claim.to, claim.subject, claim.body)
        try:
            provider_id = await courier.send(outgoing)
        except DeliveryFailed as exc:
            return exc
        except Exception as exc:  # a courier's bug must not stop the others: retried later
            log.exception("notification %s by %s crashed", claim.notification_id, claim.channel)
            return DeliveryFailed(repr(exc))
        await self._record(
            claim,
            lambda: record_sent(uow=self.uow(), claim=claim, provider_message_id=provider_id),
        )
        return None

    async def _record(self, claim: Claim, record: Callable[[], T]) -> T | None:
        """Record a send's outcome, once more if the first try fails (the database blinked).

        If both fail the claim stays `sending` and is taken again once its lease runs out;
        the other claims of the batch are recorded and released all the same.
        """
        for last in (False, True):
            try:
                return await to_thread.run_sync(record)
            except Exception:
                log.exception(
                    "could not record notification %s by %s%s",
                    claim.notification_id,
                    claim.channel,
                    "" if last else "; trying once more",
                )
        return None

    def _opted_out(self, claim: Claim) -> bool:
        return opted_out_before_sending(uow=self.uow(), phone=claim.to)

    def _failed(self, claim: Claim, exc: DeliveryFailed) -> NotificationStatus | None:
        return record_failure(
            uow=self.uow(),
            claim=claim,
            reason=str(exc),
            permanent=exc.permanent,
            max_attempts=self.max_attempts,
        )
