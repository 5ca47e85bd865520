"""Sending the hub's entries to a Telegram chat: text, inline keyboards, forms as documents."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from anyio import to_thread
from telegram import Bot
from telegram.constants import ParseMode
from telegram.error import TelegramError

from channels.telegram.keyboards import inline_keyboard
from channels.telegram.texts import entry_html
from domain.documents.requests import forms_named
from domain.kernel.uow import UnitOfWork
from domain.models import Conversation

log = logging.getLogger(__name__)


class TelegramOutlet:
    """The hub's outlet for conversations whose address is a Telegram chat id."""

    def __init__(self, bot: Bot, uow: Callable[[], UnitOfWork]) -> None:
        self.bot = bot
        self.uow = uow

    async def deliver(self, conversation: Conversation, entry: dict[str, Any]) -> None:
        """Send the entry; a form that cannot be sent does not keep the others back."""
        chat_id = int(conversation.address)
        text = entry_html(entry)
        if text:
            try:
                await self.bot.send_message(
                    chat_id, text, parse_mode=ParseMode.HTML, reply_markup=inline_keyboard(entry)
                )
            except TelegramError:
                log.exception("could not send entry %s to a Telegram chat", entry.get("entry_id"))
        card = entry.get("card") or {}
        sent_forms = {form["filename"] for form in card.get("forms") or []}
        if not sent_forms:
            return
        forms = await to_thread.run_sync(
            # The booking's generated forms the entry's card names (made in that same turn).
            lambda: forms_named(uow=self.uow(), booking_id=card["booking_id"], filenames=sent_forms)
        )
        for form in forms:
            try:
                await self.bot.send_document(chat_id, document=form.content, filename=form.filename)
            except TelegramError:
                log.exception("could not send form %s to a Telegram chat", form.id)
