"""A tapped inline button: answered at once, its keyboard removed, its value said for the client."""

from __future__ import annotations

import logging
from collections.abc import Callable
from html import escape

from anyio import to_thread
from telegram import Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, TelegramError
from telegram.ext import ContextTypes

from channels.telegram.chats import CHANNEL, ChannelDeps, say_to_hub
from channels.telegram.keyboards import Tapped, read_button_data
from domain.conversations.transcripts import Choice, open_choices
from domain.kernel.uow import UnitOfWork

log = logging.getLogger(__name__)
STALE = "That choice is no longer open; please answer my latest message."


async def on_button(deps: ChannelDeps, update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    message = query.message if isinstance(query.message, Message) else None
    tapped = read_button_data(query.data)
    button = None
    if tapped is not None and message is not None:
        address = str(message.chat.id)
        button = await to_thread.run_sync(
            lambda: offered_button(deps.uow, CHANNEL, address, tapped)
        )
    try:
        # Always answered, or the client's app keeps spinning on the button.
        await query.answer(None if button else STALE)
    except TelegramError:
        log.warning("could not answer a Telegram callback query", exc_info=True)
    if message is not None:
        await _close_keyboard(message, button.label if button else None)
    if button is not None:
        await say_to_hub(deps, update, button.value, message_id=f"callback:{query.id}")


def offered_button(
    uow: Callable[[], UnitOfWork], channel: str, address: str, tapped: Tapped
) -> Choice | None:
    """The button this chat was offered and can still choose (stale once anything was said)."""
    offered = open_choices(uow=uow(), channel=channel, address=address, entry_id=tapped.entry_id)
    return offered[tapped.index] if tapped.index < len(offered) else None


async def _close_keyboard(message: Message, chosen: str | None) -> None:
    """Show the choice under the question and remove the buttons, so none is tapped twice."""
    try:
        if chosen is not None and message.text:
            await message.edit_text(
                f"{message.text_html}\n\n✅ <i>{escape(chosen)}</i>",
                parse_mode=ParseMode.HTML,
                reply_markup=None,
            )
        elif message.reply_markup is not None:
            await message.edit_reply_markup(reply_markup=None)
    except BadRequest:
        log.info("a Telegram message's keyboard could not be removed", exc_info=True)
    except TelegramError:
        log.warning("could not edit a Telegram message", exc_info=True)
