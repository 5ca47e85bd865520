"""The calendar refresher: beside the notification worker, it syncs each provider's external
calendars once they have gone `every` without a try (FRONTDESK_CALENDAR_SYNC_MINUTES).

Syncs run one at a time in a thread: each waits on a calendar server, and a slow one delays
only the others' refresh, never a booking (which reads the cache).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial

from anyio import to_thread

from domain.calendars.sync import SyncReport, sync_due
from domain.kernel.uow import UnitOfWork

log = logging.getLogger("frontdesk.worker")
# How often the refresher looks for connections that have come due.
CHECK_SECONDS = 30.0


@dataclass
class CalendarRefresher:
    uow: Callable[[], UnitOfWork]
    every: timedelta = timedelta(minutes=5)
    stopping: asyncio.Event = field(default_factory=asyncio.Event)

    async def run(self) -> None:
        """Refresh due connections until stopped."""
        pause = min(CHECK_SECONDS, self.every.total_seconds())
        while not self.stopping.is_set():
            try:
                await self.run_once()
            except Exception:  # the database away for a moment: try again next tick
                log.exception("calendar refresh failed")
            with suppress(TimeoutError):
                await asyncio.wait_for(self.stopping.wait(), timeout=pause)

    def stop(self) -> None:
        self.stopping.set()

    async def run_once(self) -> list[SyncReport]:
        """Refresh every connection due now; log the ones that failed."""
        reports = await to_thread.run_sync(partial(sync_due, uow=self.uow(), every=self.every))
        for report in reports:
            if report.error:
                log.warning("calendar %s: %s", report.connection_id, report.error)
        return reports
