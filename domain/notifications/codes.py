"""The wording of a one-time code sent by email or SMS (not an admin template: it is security)."""

from __future__ import annotations

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
