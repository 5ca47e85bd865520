"""Sending a text through Twilio's REST API, and what its refusals mean for a retry."""

from __future__ import annotations

import logging

from anyio import to_thread
from requests import RequestException
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from channels.couriers import DeliveryFailed

log = logging.getLogger(__name__)
# twilio logs every request at INFO, numbers and all: only its warnings reach our log.
_http_log = logging.getLogger("channels.sms.twilio_http")
_http_log.setLevel(logging.WARNING)
TIMEOUT_SECONDS = 15.0
# Twilio error codes after which sending the same text again cannot succeed.
PERMANENT_CODES = frozenset(
    {
        21211,  # the To number is not a valid phone number
        21217,  # the To number is not a valid phone number (format)
        21408,  # no permission to send to that region
        21610,  # the recipient texted STOP to our number: Twilio refuses to text them
        21612,  # the To number cannot be reached from our number
        21614,  # the To number is not a mobile number
        30003,  # unreachable handset
        30005,  # unknown destination handset
        30006,  # landline or unreachable carrier
    }
)


class TwilioMessages:
    """Creates Message resources at Twilio (or at whatever speaks its API at `api_url`)."""

    def __init__(
        self,
        *,
        account_sid: str,
        auth_token: str,
        from_number: str,
        api_url: str = "https://api.twilio.com",
        status_callback_url: str | None = None,
    ) -> None:
        self.from_number = from_number
        self.status_callback_url = status_callback_url
        self._client = Client(
            account_sid,
            auth_token,
            http_client=TwilioHttpClient(timeout=TIMEOUT_SECONDS, logger=_http_log),
        )
        # Every Api request is built from its domain's base_url (twilio.base.domain.Domain).
        self._client.api.base_url = api_url.rstrip("/")

    async def send(self, *, to: str, body: str) -> str:
        """Send a text off the event loop; return its MessageSid, or raise DeliveryFailed."""
        return await to_thread.run_sync(lambda: self.send_now(to=to, body=body))

    def send_now(self, *, to: str, body: str) -> str:
        """Send a text (blocking); return its MessageSid, or raise DeliveryFailed."""
        sender = (
            {"messaging_service_sid": self.from_number}
            if self.from_number.startswith("MG")  # a Messaging Service picks the number
            else {"from_": self.from_number}
        )
        callback = {"status_callback": self.status_callback_url} if self.status_callback_url else {}
        try:
            message = self._client.messages.create(to=to, body=body, **sender, **callback)
        except TwilioRestException as refused:
            raise refusal(refused) from refused
        except (RequestException, TwilioException, OSError) as unreachable:
            raise DeliveryFailed(f"Twilio could not be reached: {unreachable}") from unreachable
        sid: str = message.sid
        return sid


def refusal(refused: TwilioRestException) -> DeliveryFailed:
    """What Twilio's error means: permanent for numbers that cannot get texts, else retried."""
    reason = f"Twilio answered {refused.status}, error {refused.code}: {refused.msg}"
    if refused.status == 429 or refused.status >= 500 or refused.status in (401, 403):
        # Busy, down, or our credentials: the same text may go through later.
        return DeliveryFailed(reason)
    if refused.code in PERMANENT_CODES or 400 <= refused.status < 500:
        return DeliveryFailed(reason, permanent=True)
    return DeliveryFailed(reason)
