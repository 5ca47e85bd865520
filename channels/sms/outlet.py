"""The hub's way to text an SMS conversation's client what the agent or a person said."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from anyio import to_thread

from channels.couriers import DeliveryFailed
from channels.sms.formatting import entry_text
from channels.sms.twilio_rest import TwilioMessages
from domain.kernel.uow import UnitOfWork
from domain.models import Conversation
from domain.notifications.opt_outs import is_opted_out

log = logging.getLogger(__name__)


class SmsOutlet:
    """A `channels.outlets.Outlet`: one text per entry, never to a number that texted STOP."""

    def __init__(
        self,
        *,
        messages: TwilioMessages,
        uow: Callable[[], UnitOfWork],
        public_url: str | None,
    ) -> None:
        self.messages = messages
        self.uow = uow
        self.public_url = public_url

    async def deliver(self, conversation: Conversation, entry: dict[str, Any]) -> None:
        phone = conversation.address
        opted_out = await to_thread.run_sync(lambda: is_opted_out(uow=self.uow(), phone=phone))
        if opted_out:
            log.info("not texting conversation %s: the number opted out", conversation.id)
            return
        body = entry_text(entry, public_url=self.public_url)
        if not body:
            return
        try:
            sid = await self.messages.send(to=phone, body=body)
        except DeliveryFailed as failed:
            log.warning("could not text conversation %s: %s", conversation.id, failed)
            return
        log.info("texted conversation %s as %s", conversation.id, sid)
