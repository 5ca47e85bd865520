"""The wording of a one-time code sent by email or SMS (not an admin template: it is security)."""

from __future__ import annotations

from domain.notifications.rendering import RenderedNotification

CODE_EVENT = "identity.code"


def code_message(channel: str, code: str) -> RenderedNotification:
    """Say the code and that it is no one else's business."""
    text = f"Your Frontdesk code is {code}. It expires in a few minutes; never share it."
    if channel == "email":
        return RenderedNotification(subject="Your Frontdesk code", body=f"<p>{text}</p>")
    return RenderedNotification(subject="", body=text)
