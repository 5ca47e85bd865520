"""How the notification worker sends one rendered message on one channel (email, SMS, Telegram)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Outgoing:
    notification_id: int  # also the idempotency hint a channel can carry (an email Message-ID)
    to: str  # an email address, an E.164 phone, a Telegram chat id
    subject: str  # empty on SMS and Telegram
    body: str


class DeliveryFailed(Exception):
    """The channel refused or could not be reached.

    `permanent` failures (an invalid number, a bot the client blocked) are not retried; the
    others are, with backoff, until the worker runs out of attempts.
    """

    def __init__(self, reason: str, *, permanent: bool = False) -> None:
        super().__init__(reason)
        self.permanent = permanent


class Courier(Protocol):
    channel: str  # email, sms or telegram

    async def send(self, message: Outgoing) -> str | None:
        """Send it; return the channel's own message id, if any; or raise DeliveryFailed."""
        ...
