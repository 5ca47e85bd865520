"""Delivering one-time codes to the server log: the embedded default, with no SMS or email set up.

A person trying the service locally reads the code there. A code for a channel that has a
courier configured (SMTP for email, Twilio for SMS) is left to the notification worker, which
delivers it to the client: the two never both take one code.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Collection, Mapping
from typing import Any

from anyio import to_thread

from domain.kernel.uow import UnitOfWork
from domain.notifications.codes import hand_out_pending_codes, reset_link
from domain.staff.passwords import PASSWORD_RESET_EVENT

log = logging.getLogger("frontdesk.codes")


def log_pending_codes(uow: UnitOfWork, *, couriers: Collection[str] = ()) -> int:
    """Log each undelivered code for a channel not in `couriers`, mark it sent; say how many."""
    return hand_out_pending_codes(uow=uow, hand_out=_log_code, skip_channels=couriers)


def _log_code(payload: Mapping[str, Any]) -> None:
    if payload.get("event") == PASSWORD_RESET_EVENT:
        log.warning(
            "password reset link for staff %s by %s to %s: %s",
            payload.get("staff_id"),
            payload.get("channel"),
            payload.get("to"),
            reset_link(payload),
        )
        return
    log.warning(
        "one-time code for client %s by %s to %s: %s",
        payload.get("client_id"),
        payload.get("channel"),
        payload.get("to"),
        payload.get("code"),
    )


async def deliver_codes_to_log(
    uow: Callable[[], UnitOfWork], every_seconds: float = 0.5, couriers: Collection[str] = ()
) -> None:
    """Keep logging new codes (for channels without a courier) until cancelled."""
    while True:
        try:
            await to_thread.run_sync(lambda: log_pending_codes(uow(), couriers=couriers))
        except Exception:
            log.exception("could not log one-time codes")
        await asyncio.sleep(every_seconds)
