"""A local stand-in for Twilio: its Messages REST resource over real HTTP, and its webhooks.

The twilio client reaches it through FRONTDESK_TWILIO_API_URL. Like Twilio it checks HTTP Basic
auth (account SID and auth token), answers 201 with a Message resource or Twilio's error JSON,
refuses numbers that texted STOP to it (error 21610), and signs the webhooks it sends
(incoming texts, status callbacks) with the auth token, over the URL it was given — which may
be a public address in front of the server, so `forward` says where that address really lands.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

import httpx
from twilio.request_validator import RequestValidator

from channels.sms.twilio_rest import TwilioMessages
from domain.notifications.rendering import sms_size

MESSAGES = re.compile(r"^/2010-04-01/Accounts/(?P<sid>AC\w+)/Messages\.json$")
E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
STOP_WORDS = {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT", "REVOKE"}
START_WORDS = {"START", "UNSTOP"}


def signed_webhook(url: str, params: Mapping[str, str], auth_token: str) -> dict[str, str]:
    """Headers of a webhook Twilio signed for `url` with these form params."""
    signature = RequestValidator(auth_token).compute_signature(url, dict(params))
    return {
        "X-Twilio-Signature": signature,
        "Content-Type": "application/x-www-form-urlencoded",
    }


@dataclass
class FakeTwilio:
    api_url: str
    account_sid: str
    auth_token: str
    from_number: str
    messages: list[dict[str, Any]] = field(default_factory=list)
    opted_out: set[str] = field(default_factory=set)  # numbers that texted STOP to Twilio
    refused: list[dict[str, Any]] = field(default_factory=list)  # creations answered with errors
    _failures: list[tuple[int, int, str]] = field(default_factory=list)
    _forwards: dict[str, str] = field(default_factory=dict)
    _changed: threading.Condition = field(default_factory=threading.Condition)

    def client(self, **changes: str) -> TwilioMessages:
        """The app's Twilio REST client pointed at this server (with `changes` to its settings)."""
        settings = {
            "account_sid": self.account_sid,
            "auth_token": self.auth_token,
            "from_number": self.from_number,
            "api_url": self.api_url,
            **changes,
        }
        return TwilioMessages(**settings)

    def fail_next(self, status: int, code: int, message: str) -> None:
        """Answer the next message creation with this Twilio error."""
        with self._changed:
            self._failures.append((status, code, message))

    def forward(self, public_base: str, actual_base: str) -> None:
        """Deliver webhooks addressed to `public_base` to `actual_base` (a proxy in between)."""
        self._forwards[public_base.rstrip("/")] = actual_base.rstrip("/")

    def wait_for_messages(
        self, count: int, to: str | None = None, timeout: float = 10
    ) -> list[dict[str, Any]]:
        """The messages created so far (to `to`), once there are at least `count` of them."""
        with self._changed:
            self._changed.wait_for(lambda: len(self._to(to)) >= count, timeout=timeout)
            found = self._to(to)
        if len(found) < count:
            raise AssertionError(f"expected {count} messages to {to}, got {found}")
        return found

    def sent_to(self, to: str) -> list[dict[str, Any]]:
        with self._changed:
            return self._to(to)

    def _to(self, to: str | None) -> list[dict[str, Any]]:
        return [m for m in self.messages if to is None or m["To"] == to]

    def incoming(
        self,
        url: str,
        *,
        sender: str,
        body: str,
        message_sid: str | None = None,
        media: int = 0,
    ) -> httpx.Response:
        """Deliver a text from `sender` to our number to the webhook at `url`, as Twilio does.

        Like Twilio on a long code, a STOP word opts the sender out of everything sent later
        from the account (error 21610) and START opts them back in.
        """
        word = body.strip().upper()
        if word in STOP_WORDS:
            self.opted_out.add(sender)
        elif word in START_WORDS:
            self.opted_out.discard(sender)
        sid = message_sid or new_sid("SM")
        params = {
            "ToCountry": "DE",
            "SmsMessageSid": sid,
            "NumMedia": str(media),
            "SmsSid": sid,
            "SmsStatus": "received",
            "Body": body,
            "To": self.from_number,
            "NumSegments": str(max(1, sms_size(body).segments)),
            "MessageSid": sid,
            "AccountSid": self.account_sid,
            "From": sender,
            "ApiVersion": "2010-04-01",
        }
        for index in range(media):
            params[f"MediaUrl{index}"] = f"{self.api_url}/media/{new_sid('ME')}"
            params[f"MediaContentType{index}"] = "image/jpeg"
        return self.post_webhook(url, params)

    def report_status(self, sid: str, status: str, error_code: int | None = None) -> httpx.Response:
        """Post a signed status callback for a message to the StatusCallback it was sent with."""
        with self._changed:
            [message] = [m for m in self.messages if m["sid"] == sid]
        params = {
            "MessageSid": sid,
            "SmsSid": sid,
            "MessageStatus": status,
            "SmsStatus": status,
            "AccountSid": self.account_sid,
            "From": message["From"],
            "To": message["To"],
            "ApiVersion": "2010-04-01",
        }
        if error_code is not None:
            params["ErrorCode"] = str(error_code)
        return self.post_webhook(message["StatusCallback"], params)

    def post_webhook(self, url: str, params: Mapping[str, str]) -> httpx.Response:
        """POST a form signed for `url` to where `url` lands."""
        headers = signed_webhook(url, params, self.auth_token)
        return httpx.post(self._landing(url), data=dict(params), headers=headers, timeout=30)

    def _landing(self, url: str) -> str:
        for public, actual in self._forwards.items():
            if url.startswith(public):
                return actual + url[len(public) :]
        return url

    def _create(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        with self._changed:
            error = self._refusal(form)
            if error is not None:
                self.refused.append({**form, "code": error["code"]})
                return error["status"], error
            to, body = form["To"], form["Body"]
            sid = new_sid("SM")
            self.messages.append(
                {
                    "sid": sid,
                    "To": to,
                    "From": form.get("From"),
                    "MessagingServiceSid": form.get("MessagingServiceSid"),
                    "Body": body,
                    "StatusCallback": form.get("StatusCallback"),
                    "segments": sms_size(body).segments,
                    "encoding": sms_size(body).encoding,
                }
            )
            self._changed.notify_all()
            return 201, self._resource(sid, to, form.get("From"), body)

    def _refusal(self, form: dict[str, str]) -> dict[str, Any] | None:
        if self._failures:
            return _error(*self._failures.pop(0))
        to = form.get("To", "")
        if not E164.match(to):
            return _error(400, 21211, f"The 'To' number {to} is not a valid phone number.")
        if not (form.get("From") or form.get("MessagingServiceSid")):
            return _error(400, 21603, "A 'From' or 'MessagingServiceSid' is required.")
        if not form.get("Body"):
            return _error(400, 21602, "Message body is required.")
        if to in self.opted_out:
            return _error(400, 21610, "Attempt to send to unsubscribed recipient")
        return None

    def _resource(self, sid: str, to: str, sender: str | None, body: str) -> dict[str, Any]:
        now = format_datetime(datetime.now(UTC), usegmt=True)
        path = f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}"
        return {
            "account_sid": self.account_sid,
            "api_version": "2010-04-01",
            "body": body,
            "date_created": now,
            "date_sent": None,
            "date_updated": now,
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "from": sender,
            "messaging_service_sid": None,
            "num_media": "0",
            "num_segments": str(sms_size(body).segments),
            "price": None,
            "price_unit": "USD",
            "sid": sid,
            "status": "queued",
            "subresource_uris": {"media": f"{path}/Media.json"},
            "to": to,
            "uri": f"{path}.json",
        }


def new_sid(prefix: str) -> str:
    """A Twilio-shaped id: two letters and 32 hex digits."""
    return prefix + secrets.token_hex(16)


def _error(status: int, code: int, message: str) -> dict[str, Any]:
    return {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }


def twilio_env(twilio: FakeTwilio) -> dict[str, str]:
    """The settings that switch SMS on against the fake Twilio API."""
    return {
        "FRONTDESK_TWILIO_ACCOUNT_SID": twilio.account_sid,
        "FRONTDESK_TWILIO_AUTH_TOKEN": twilio.auth_token,
        "FRONTDESK_TWILIO_FROM": twilio.from_number,
        "FRONTDESK_TWILIO_API_URL": twilio.api_url,
    }


@contextmanager
def fake_twilio() -> Iterator[FakeTwilio]:
    """Run the fake on a free local port for the duration of the block."""
    holder: list[FakeTwilio] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            fake = holder[0]
            length = int(self.headers.get("Content-Length") or 0)
            form = dict(parse_qsl(self.rfile.read(length).decode(), keep_blank_values=True))
            matched = MESSAGES.match(self.path)
            if matched is None:
                self._answer(404, _error(404, 20404, "The requested resource was not found"))
            elif not self._authorized(fake) or matched["sid"] != fake.account_sid:
                self._answer(401, _error(401, 20003, "Authenticate"))
            else:
                self._answer(*fake._create(form))

        def _authorized(self, fake: FakeTwilio) -> bool:
            expected = base64.b64encode(f"{fake.account_sid}:{fake.auth_token}".encode()).decode()
            return self.headers.get("Authorization") == f"Basic {expected}"

        def _answer(self, status: int, payload: dict[str, Any]) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # quiet: the test output is for the tests

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    host, port = server.server_address[:2]
    holder.append(
        FakeTwilio(
            api_url=f"http://{host!s}:{port}",
            account_sid="AC" + secrets.token_hex(16),
            auth_token=secrets.token_hex(16),
            from_number="+4930555000111",
        )
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield holder[0]
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
