"""A scenario's client on its channel: messages go in through the hub as that channel's adapter
hands them over, and what comes back is read as that channel shows it.

Web: the client's text as the chat socket sends it; replies as the chat shows them, with their
buttons. Telegram: a message that matches a button of the last reply is a tap on it (the
button's value is said, as the bot does); replies are the HTML messages the bot sends, with
their inline keyboards. SMS: the text goes through the SMS desk (keywords, a bare number picks
an offered choice); replies are the texts the SMS outlet would send.
"""

from __future__ import annotations

import html
import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from channels.hub import Hub
from channels.messages import Inbound
from channels.presenting import entry_json
from channels.sms.formatting import entry_text
from channels.sms.inbound import SmsDesk, SmsIn
from channels.telegram.keyboards import inline_keyboard
from channels.telegram.texts import entry_html
from domain.clients.addresses import linked_address
from domain.clients.phones import phone_as_stored
from domain.clients.records import get_client, link_identity
from domain.conversations.transcripts import find_conversation, open_choices, transcript
from domain.kernel.actors import SYSTEM
from domain.kernel.uow import UnitOfWork
from domain.models import Conversation, EntryAuthor
from evals.results import Step

PUBLIC_URL = "https://frontdesk.example"  # where form links point in the texts a client reads
PRACTICE_NUMBER = "+15550100000"  # the number SMS clients text
_TAG = re.compile(r"<[^>]+>")
_message_ids = itertools.count(1)  # the channel's id of each message, unique in a run
_new_chats = itertools.count(1)  # chat ids for Telegram clients the world gives none


@dataclass(frozen=True)
class Presented:
    text: str
    buttons: list[str]


@dataclass
class RecordingOutlet:
    """A hub outlet that keeps what it would send, as the channel's real outlet renders it."""

    present: Callable[[dict[str, Any]], Presented]
    sent: dict[int, Presented] = field(default_factory=dict)

    async def deliver(self, conversation: Conversation, entry: dict[str, Any]) -> None:
        self.sent[entry["entry_id"]] = self.present(entry)


def telegram_view(entry: dict[str, Any]) -> Presented:
    """The message as a Telegram client reads it: the HTML rendered, the keyboard's labels."""
    keyboard = inline_keyboard(entry)
    labels = [b.text for row in keyboard.inline_keyboard for b in row] if keyboard else []
    return Presented(html.unescape(_TAG.sub("", entry_html(entry))), labels)


def sms_view(entry: dict[str, Any]) -> Presented:
    return Presented(entry_text(entry, public_url=PUBLIC_URL), [])


def web_view(entry: dict[str, Any]) -> Presented:
    return Presented(entry["text"], [b["label"] for b in entry.get("buttons") or []])


def recording_outlets() -> dict[str, RecordingOutlet]:
    return {"telegram": RecordingOutlet(telegram_view), "sms": RecordingOutlet(sms_view)}


class ChannelClient:
    """Plays one client on one channel through the hub; `say` returns what followed."""

    def __init__(
        self,
        *,
        hub: Hub,
        uow: Callable[[], UnitOfWork],
        channel: str,
        address: str,
        outlets: dict[str, RecordingOutlet],
    ) -> None:
        self.hub = hub
        self.uow = uow
        self.channel = channel
        self.address = address
        self.outlet = outlets.get(channel)
        self.conversation_id: str | None = None
        self._seen = 0  # the last transcript entry already read

    async def say(self, text: str) -> list[Step]:
        """Send one client message, wait for every answer, and return the new entries."""
        if self.channel == "sms":
            answered = await self._text(text)
        else:
            if self.channel == "telegram":
                text = self._tapped(text)
            message_id = f"eval-{next(_message_ids)}"
            await self.hub.receive(Inbound(self.channel, self.address, text, message_id))
            answered = None
        await self.hub.drain()
        steps = self._new_steps()
        if answered:  # the SMS desk's own answer (HELP, STOP …), sent as the webhook's reply
            steps.append(Step("system", answered))
        return steps

    async def _text(self, text: str) -> str | None:
        desk = SmsDesk(hub=self.hub, uow=self.uow, public_url=PUBLIC_URL)
        sms = SmsIn(
            message_sid=f"SMeval{next(_message_ids):028d}",
            sender=self.address,
            to=PRACTICE_NUMBER,
            body=text,
            media=0,
        )
        return await desk.answer(sms)

    def _tapped(self, text: str) -> str:
        """A message naming a button of the last reply is a tap: its value is what is said."""
        offered = open_choices(uow=self.uow(), channel=self.channel, address=self.address)
        wanted = text.strip().casefold()
        return next((c.value for c in offered if c.label.casefold() == wanted), text)

    def _new_steps(self) -> list[Step]:
        if self.conversation_id is None:
            found = find_conversation(uow=self.uow(), channel=self.channel, address=self.address)
            if found is None:
                return []
            self.conversation_id = found.id
        entries = [
            e
            for e in transcript(uow=self.uow(), conversation_id=self.conversation_id)
            if e.id is not None and e.id > self._seen
        ]
        if entries:
            self._seen = max(e.id or 0 for e in entries)
        return [self._step(entry_json(e)) for e in entries]

    def _step(self, entry: dict[str, Any]) -> Step:
        author = str(entry["author"])
        if author == EntryAuthor.TOOL:
            return Step("tool", entry["text"], tool=entry.get("tool"))
        if author == EntryAuthor.CLIENT or self.outlet is None:
            view = web_view(entry)
        else:
            # Not sent (an opted-out number): the client read nothing.
            view = self.outlet.sent.get(entry["entry_id"], Presented("", []))
        return Step(author, view.text, view.buttons)


def channel_address(uow: UnitOfWork, *, channel: str, client_id: str, label: str) -> str:
    """Where the client is on the channel, linked to them as a signed-in or known client is."""
    phone = get_client(uow=uow, actor=SYSTEM, client_id=client_id).phone
    if channel == "sms":
        if not phone:
            raise ValueError(f"client {client_id!r} has no phone to text from")
        address = phone_as_stored(uow=uow, written=phone)
    elif channel == "telegram":
        linked = linked_address(uow=uow, client_id=client_id, channel=channel)
        address = linked or str(700_000_000 + next(_new_chats))
    else:
        address = f"eval-web-{label}"
    link_identity(uow=uow, actor=SYSTEM, client_id=client_id, channel=channel, address=address)
    return address
