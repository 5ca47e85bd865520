"""Delivering one-time codes to the server log: the embedded default, with no SMS or email set up.

A person trying the service locally reads the code there. A code for a channel that has a
courier configured (SMTP for email, Twilio for SMS) is left to the notification worker, which
delivers it to the client: the two never both take one code.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Collection

from anyio import to_thread
from sqlmodel import col, select

from domain.kernel.uow import UnitOfWork
from domain.models import OutboxMessage
from domain.notifications.codes import CODE_EVENT, forget_code

log = logging.getLogger("frontdesk.codes")


def log_pending_codes(uow: UnitOfWork, *, couriers: Collection[str] = ()) -> int:
    """Log each undelivered code for a channel not in `couriers`, mark it sent; say how many."""
    with uow:
        pending = [
            message
            for message in uow.session.exec(
                select(OutboxMessage)
                .where(OutboxMessage.event == CODE_EVENT, OutboxMessage.status == "pending")
                .order_by(col(OutboxMessage.id))
            )
            if message.payload.get("channel") not in couriers
        ]
        for message in pending:
            payload = message.payload
            log.warning(
                "one-time code for client %s by %s to %s: %s",
                payload.get("client_id"),
                payload.get("channel"),
                payload.get("to"),
                payload.get("code"),
            )
            message.status = "sent"
            message.attempts += 1
            forget_code(message)  # the log has it now; the database keeps only its hash
        uow.commit()
        return len(pending)


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
