"""A tapped inline button: answered at once, its keyboard removed, its value said for the client."""

from __future__ import annotations

import logging
from collections.abc import Callable
from html import escape

from anyio import to_thread
from sqlmodel import col, select
from telegram import Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, TelegramError
from telegram.ext import ContextTypes

from channels.telegram.chats import CHANNEL, ChannelDeps, say_to_hub
from channels.telegram.keyboards import Tapped, read_button_data
from domain.models import Conversation, ConversationEntry, ConversationStatus
from domain.transcripts import SPOKEN
from domain.uow import UnitOfWork

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
        await _close_keyboard(message, button[0] if button else None)
    if button is not None:
        await say_to_hub(deps, update, button[1], message_id=f"callback:{query.id}")


def offered_button(
    uow: Callable[[], UnitOfWork], channel: str, address: str, tapped: Tapped
) -> tuple[str, str] | None:
    """The (label, value) of a button this chat was offered and can still choose.

    A button is stale once anything was said after its entry, as in the web chat, or when the
    conversation is closed; another chat's entry is never found.
    """
    with uow().reading() as reader:
        entry = reader.session.get(ConversationEntry, tapped.entry_id)
        if entry is None:
            return None
        conversation = reader.session.get(Conversation, entry.conversation_id)
        if (
            conversation is None
            or (conversation.channel, conversation.address) != (channel, address)
            or conversation.status == ConversationStatus.CLOSED
        ):
            return None
        said_since = reader.session.exec(
            select(ConversationEntry.id).where(
                ConversationEntry.conversation_id == conversation.id,
                col(ConversationEntry.id) > entry.id,
                col(ConversationEntry.author).in_(list(SPOKEN)),
            )
        ).first()
        buttons = (entry.extra or {}).get("buttons") or []
        if said_since is not None or tapped.index >= len(buttons):
            return None
        chosen = buttons[tapped.index]
        return str(chosen["label"]), str(chosen["value"])


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
