"""Running the notification worker: `frontdesk worker`, and `frontdesk serve --with-worker`."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from api.bootstrap import Frontdesk
from api.heap import settle_heap
from channels.calendar_refresher import CalendarRefresher
from channels.delivery_worker import DeliveryWorker

log = logging.getLogger("frontdesk.worker")


def run_worker(frontdesk: Frontdesk, *, once: bool, interval: float, batch: int) -> int:
    """Deliver notifications and refresh providers' calendars until SIGTERM or SIGINT (or after
    one pass with `once`)."""
    worker = frontdesk.delivery_worker(batch=batch)
    refresher = frontdesk.calendar_refresher()
    couriers = worker.couriers
    hours = ", ".join(f"{h} h" for h in worker.reminder_hours) or "none"
    log.info(
        "notification worker on %s; reminders %s before",
        ", ".join(sorted(couriers)) or "no channel (client notifications are not sent)",
        hours,
    )

    async def main() -> None:
        loop = asyncio.get_running_loop()
        for stop_signal in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(stop_signal, _stop_both, worker, refresher)
        try:
            if once:
                report = await worker.run_once()
                log.info("one pass: %s", report)
                synced = await refresher.run_once()
                log.info("calendars synced: %d", len(synced))
            else:
                await asyncio.gather(worker.run(interval=interval), refresher.run())
        finally:
            for courier in couriers.values():
                close = getattr(courier, "close", None)  # those that keep a connection open
                if close is not None:
                    await close()

    settle_heap()
    asyncio.run(main())
    frontdesk.close()
    return 0


def _stop_both(worker: DeliveryWorker, refresher: CalendarRefresher) -> None:
    worker.stop()
    refresher.stop()


@contextmanager
def worker_beside(wanted: bool) -> Iterator[None]:
    """Run `frontdesk worker` as a child process for as long as the block runs."""
    if not wanted:
        yield
        return
    child = subprocess.Popen([sys.executable, "-m", "api.cli", "worker"], env=dict(os.environ))
    # uvicorn hands a SIGTERM it caught back to the handler it found, once it has shut down;
    # the default one would end this process on the spot, leaving the worker behind.
    previous = signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
        child.terminate()  # SIGTERM: the send in hand finishes first
        try:
            child.wait(timeout=30)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def _exit_on_sigterm(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)
