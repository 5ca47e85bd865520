"""What every channel hands the hub, and what the hub says back."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Inbound:
    """One message from a client, whatever the channel it came by."""

    channel: str  # web, telegram, sms
    address: str  # where the client is on that channel: a web session, a chat, a phone
    text: str
    # The channel's own id for the message: a retried delivery carries the same one.
    message_id: str | None = None


@dataclass(frozen=True)
class Receipt:
    conversation_id: str
    duplicate: bool
