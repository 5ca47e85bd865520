"""A text from a client: the carrier keywords, numbered choices, and the rest to the hub."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal, TypeVar

from anyio import to_thread

from channels.hub import Hub
from channels.messages import Inbound
from channels.sms.formatting import choices
from domain.clients.phones import NotAPhoneNumber, phone_as_stored
from domain.conversations.transcripts import open_choices
from domain.kernel.errors import InvalidInput
from domain.kernel.uow import UnitOfWork
from domain.notifications.opt_outs import is_opted_out, opt_in, opt_out
from domain.scheduling.calendars import practice_policies

log = logging.getLogger(__name__)
T = TypeVar("T")
CHANNEL = "sms"
Keyword = Literal["stop", "start", "help"]
# The whole message, trimmed and in any case, is the keyword: "stop the reminders" is not.
STOP_WORDS = frozenset(
    {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT", "REVOKE"}
)
START_WORDS = frozenset({"START", "UNSTOP"})
HELP_WORDS = frozenset({"HELP", "INFO"})
CHOICE = re.compile(r"^\d{1,2}$")
NO_FILES = (
    "Files cannot be sent by text message. Please bring them to your appointment or send "
    "them through our web chat."
)


@dataclass(frozen=True)
class SmsIn:
    """Twilio's incoming-message webhook, the fields we use."""

    message_sid: str
    sender: str  # From: the client's phone, proven by the carrier
    to: str
    body: str
    media: int  # NumMedia: pictures and files sent with it (MMS)

    @classmethod
    def from_form(cls, form: Mapping[str, str]) -> SmsIn:
        """Read the webhook's form; refuse one without a sender or a message id."""
        sid = (form.get("MessageSid") or form.get("SmsMessageSid") or "").strip()
        sender = (form.get("From") or "").strip()
        if not sid or not sender:
            raise InvalidInput("A Twilio message needs a MessageSid and a From number.")
        media = (form.get("NumMedia") or "0").strip()
        return cls(
            message_sid=sid,
            sender=sender,
            to=(form.get("To") or "").strip(),
            body=form.get("Body") or "",
            media=int(media) if media.isdigit() else 0,
        )


def keyword(body: str, *, opted_out: bool) -> Keyword | None:
    """The carrier keyword the message is, if it is one (YES resubscribes only the opted out)."""
    word = body.strip().upper()
    if word in STOP_WORDS:
        return "stop"
    if word in START_WORDS or (word == "YES" and opted_out):
        return "start"
    if word in HELP_WORDS:
        return "help"
    return None


class SmsDesk:
    """Answers a client's text: a keyword here and now, anything else through the hub.

    Returns the text to answer with at once (TwiML), or None; the agent's answers follow
    through the SMS outlet, since a turn can outlast Twilio's webhook timeout.
    """

    def __init__(self, *, hub: Hub, uow: Callable[[], UnitOfWork], public_url: str | None) -> None:
        self.hub = hub
        self.uow = uow
        self.public_url = public_url

    async def answer(self, message: SmsIn) -> str | None:
        try:
            # Twilio sends E.164; a national sender (a test line, another gateway) is read in
            # the practice's region, so it reaches the same client and the same STOP.
            phone = await self._run(lambda: phone_as_stored(uow=self.uow(), written=message.sender))
        except NotAPhoneNumber:
            log.warning("ignoring a text from %r: not a phone number", message.sender)
            return None
        opted_out = await self._run(lambda: is_opted_out(uow=self.uow(), phone=phone))
        said = keyword(message.body, opted_out=opted_out)
        if said == "stop":
            newly = await self._run(lambda: opt_out(uow=self.uow(), phone=phone))
            name = await self._practice_name()
            # Confirmed once: a repeated STOP is answered with silence, as carriers expect.
            return (
                f"You are unsubscribed from {name} messages. Reply START to resubscribe."
                if newly
                else None
            )
        if said == "start":
            await self._run(lambda: opt_in(uow=self.uow(), phone=phone))
            name = await self._practice_name()
            return f"You are resubscribed to {name} messages. Reply HELP for help, STOP to opt out."
        if opted_out:
            log.info("a text from an opted-out number was not taken in (%s)", message.message_sid)
            return None
        if said == "help":
            return await self._help()
        return await self._take_in(phone, message)

    async def _take_in(self, phone: str, message: SmsIn) -> str | None:
        text = message.body.strip()
        notice = NO_FILES if message.media > 0 else None
        if not text:
            return notice
        if CHOICE.match(text):
            offered = await self._run(
                lambda: open_choices(uow=self.uow(), channel=CHANNEL, address=phone)
            )
            if offered:
                number = int(text)
                if not 1 <= number <= len(offered):
                    return f"Please answer with one of the numbers offered. {choices(len(offered))}"
                text = offered[number - 1].value
        await self.hub.receive(Inbound(CHANNEL, phone, text, message_id=message.message_sid))
        return notice

    async def _help(self) -> str:
        name = await self._practice_name()
        web = f" or chat with us at {self.public_url}" if self.public_url else ""
        return (
            f"{name}: text your question or booking request to this number{web}. "
            "Reply STOP to opt out."
        )

    async def _practice_name(self) -> str:
        return await self._run(lambda: practice_policies(uow=self.uow()).name)

    @staticmethod
    async def _run(call: Callable[[], T]) -> T:
        return await to_thread.run_sync(call)
