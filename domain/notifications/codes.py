"""The wording of a one-time code sent by email or SMS, and of a staff member's password reset
link (not admin templates: they are security)."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from typing import Any

from sqlmodel import Session, col, select

from domain.kernel.uow import UnitOfWork
from domain.models import OutboxMessage, VerificationCode
from domain.notifications.rendering import RenderedNotification
from domain.staff.passwords import PASSWORD_RESET_EVENT

CODE_EVENT = "identity.code"  # the outbox event (and notification event) of a one-time code
# Events whose payload carries a secret under "code": kept only until handed on, never shown.
SECRET_EVENTS = (CODE_EVENT, PASSWORD_RESET_EVENT)


def destination_of(session: Session, payload: Mapping[str, Any]) -> str:
    """Where a secret goes: a one-time code's contact is read from its sealed code row (the
    outbox keeps no contact a visitor typed in clear); a reset link's email is in the payload."""
    if "to" in payload:
        return str(payload["to"])
    sent = session.get(VerificationCode, str(payload["code_id"]))
    if sent is None:
        raise KeyError(f"no verification code {payload['code_id']}")
    return sent.sent_to


def code_message(channel: str, code: str) -> RenderedNotification:
    """Say the code and that it is no one else's business."""
    text = f"Your Frontdesk code is {code}. It expires in a few minutes; never share it."
    if channel == "email":
        return RenderedNotification(subject="Your Frontdesk code", body=f"<p>{text}</p>")
    return RenderedNotification(subject="", body=text)


def secret_message(event: str, channel: str, payload: Mapping[str, Any]) -> RenderedNotification:
    """The wording of a secret event: a one-time code, or a password reset link."""
    if event == PASSWORD_RESET_EVENT:
        return reset_message(reset_link(payload))
    return code_message(channel, str(payload["code"]))


def reset_link(payload: Mapping[str, Any]) -> str:
    """The link a reset message carries: the page's address with the secret in its fragment."""
    return f"{payload['link']}{payload['code']}"


def reset_message(link: str) -> RenderedNotification:
    """Give the link, its lifetime, and what to do if someone else asked for it."""
    return RenderedNotification(
        subject="Choose a new Frontdesk password",
        body=(
            f'<p>To choose a new password for the console, open <a href="{link}">{link}</a>. '
            "The link works once, for 30 minutes.</p><p>If you did not ask for it, ignore this "
            "email: your password stays as it is.</p>"
        ),
    )


def forget_code(message: OutboxMessage) -> None:
    """Drop the code from its outbox message once it has been handed on (or never will be).

    Only its hash stays, in verification_codes; the notification's body, the one copy left,
    is emptied once it is sent or given up on.
    """
    if message.event in SECRET_EVENTS and "code" in message.payload:
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
                .where(
                    col(OutboxMessage.event).in_(SECRET_EVENTS), OutboxMessage.status == "pending"
                )
                .order_by(col(OutboxMessage.id))
            )
            if message.payload.get("channel") not in skip_channels
        ]
        for message in pending:
            to = destination_of(uow.session, message.payload)
            hand_out({"event": message.event, **message.payload, "to": to})
            message.status = "sent"
            message.attempts += 1
            forget_code(message)
        uow.commit()
        return len(pending)
