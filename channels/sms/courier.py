"""The notification worker's way to text a client: one Twilio message per notification."""

from __future__ import annotations

from channels.couriers import Outgoing
from channels.sms.formatting import plain
from channels.sms.twilio_rest import TwilioMessages


class SmsCourier:
    """A `channels.couriers.Courier` for SMS; returns the MessageSid status callbacks refer to."""

    channel = "sms"

    def __init__(self, messages: TwilioMessages) -> None:
        self._messages = messages

    async def send(self, message: Outgoing) -> str | None:
        """Text the rendered body; Twilio's refusals come back as DeliveryFailed."""
        return await self._messages.send(to=message.to, body=plain(message.body))
