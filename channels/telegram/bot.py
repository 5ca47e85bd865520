"""The bot: a python-telegram-bot Application without an updater, fed updates by the webhook.

No polling loop and no dialog state of its own: each update becomes hub or domain calls, and
the agent owns the conversation.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from channels.telegram.buttons import on_button
from channels.telegram.chats import ChannelDeps, say_to_hub
from channels.telegram.files import on_file
from channels.telegram.linking import on_contact, on_start
from channels.telegram.outlet import TelegramOutlet

log = logging.getLogger(__name__)
Handler = Callable[[ChannelDeps, Update, ContextTypes.DEFAULT_TYPE], Awaitable[None]]
UNSUPPORTED = "I can read text messages, photos and files (PDF, image or Word)."


class BadUpdate(ValueError):
    """A webhook body that is not a Telegram Update."""


class UpdateFailed(Exception):
    """A handler failed on an update: it should be delivered (and processed) again."""


class TelegramBot:
    """The Application and its handlers; `start`/`stop` bracket the app's lifespan."""

    def __init__(self, *, token: str, api_url: str, deps: ChannelDeps) -> None:
        self.application = (
            Application.builder()
            .token(token)
            .base_url(f"{api_url}/bot")
            .base_file_url(f"{api_url}/file/bot")
            .updater(None)
            .build()
        )
        self.deps = deps
        self.outlet = TelegramOutlet(self.application.bot, deps.uow)
        self._failures: dict[int, BaseException] = {}
        self._add_handlers()

    @property
    def username(self) -> str:
        """The bot's @username, as getMe told it at start."""
        return self.application.bot.username

    async def start(self) -> None:
        await self.application.initialize()  # getMe: a wrong token stops the app starting
        await self.application.start()

    async def stop(self) -> None:
        await self.application.stop()
        await self.application.shutdown()

    def read_update(self, data: Any) -> Update:
        """The Update a webhook body holds; BadUpdate when it is not one."""
        if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
            raise BadUpdate("The body is not a Telegram Update: it has no update_id.")
        try:
            update = Update.de_json(data, self.application.bot)
        except (KeyError, TypeError, ValueError) as exc:
            raise BadUpdate(f"The body is not a Telegram Update: {exc}") from None
        return update

    async def process(self, update: Update) -> None:
        """Run the update through the handlers; raise UpdateFailed when one of them failed."""
        await self.application.process_update(update)
        failure = self._failures.pop(update.update_id, None)
        if failure is not None:
            raise UpdateFailed(f"update {update.update_id} failed") from failure

    def _add_handlers(self) -> None:
        deps = self.deps

        def bound(handler: Handler) -> Callable[[Update, ContextTypes.DEFAULT_TYPE], Any]:
            async def handle(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
                await handler(deps, update, context)

            return handle

        # New messages in private chats only: edits are not taken as new words.
        private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
        add = self.application.add_handler
        add(CommandHandler("start", bound(on_start), filters=private))
        add(MessageHandler(private & filters.CONTACT, bound(on_contact)))
        add(MessageHandler(private & (filters.PHOTO | filters.Document.ALL), bound(on_file)))
        add(MessageHandler(private & filters.TEXT & ~filters.COMMAND, bound(_on_text)))
        add(CallbackQueryHandler(bound(on_button)))
        add(MessageHandler(private, bound(_on_anything_else)))
        self.application.add_error_handler(self._on_error)

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.error("Telegram update failed", exc_info=context.error)
        if isinstance(update, Update) and context.error is not None:
            self._failures[update.update_id] = context.error


async def _on_text(deps: ChannelDeps, update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    assert message is not None
    assert message.text is not None
    await say_to_hub(deps, update, message.text, message_id=f"message:{message.message_id}")


async def _on_anything_else(deps: ChannelDeps, update: Update, _: Any) -> None:
    message = update.effective_message
    if message is not None:
        await message.reply_text(UNSUPPORTED)
