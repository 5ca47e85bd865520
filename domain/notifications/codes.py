"""The wording of a one-time code sent by email or SMS (not an admin template: it is security)."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from typing import Any

from sqlmodel import col, select

from domain.kernel.uow import UnitOfWork
from domain.models import OutboxMessage
from domain.notifications.rendering import RenderedNotification

CODE_EVENT = "identity.code"  # the outbox event (and notification event) of a one-time code


def code_message(channel: str, code: str) -> RenderedNotification:
    """Say the code and that it is no one else's business."""
    text = f"Your Frontdesk code is {code}. It expires in a few minutes; never share it."
    if channel == "email":
        return RenderedNotification(subject="Your Frontdesk code", body=f"<p>{text}</p>")
    return RenderedNotification(subject="", body=text)


def forget_code(message: OutboxMessage) -> None:
    """Drop the code from its outbox message once it has been handed on (or never will be).

    Only its hash stays, in verification_codes; the notification's body, the one copy left,
    is emptied once it is sent or given up on.
    """
    if message.event == CODE_EVENT and "code" in message.payload:
        message.payload = {key: v for key, v in message.payload.items() if key != "code"}


def hand_out_pending_codes(
    *,
    uow: UnitOfWork,
    hand_out: Callable[[Mapping[str, Any]], None],
    skip_channels: Collection[str] = (),
) -> int:
    """Give each undelivered code for a channel not in `skip_channels` to `hand_out`; say how many.

    Each one handed out is marked sent and its code forgotten, in one transaction committed
    after the last hand-out: should the commit fail, the codes are handed out again next time
    rather than lost. A code for a channel in `skip_channels` is left to its courier.
    """
    with uow:
        pending = [
            message
            for message in uow.session.exec(
                select(OutboxMessage)
                .where(OutboxMessage.event == CODE_EVENT, OutboxMessage.status == "pending")
                .order_by(col(OutboxMessage.id))
            )
            if message.payload.get("channel") not in skip_channels
        ]
        for message in pending:
            hand_out(dict(message.payload))
            message.status = "sent"
            message.attempts += 1
            forget_code(message)
        uow.commit()
        return len(pending)
