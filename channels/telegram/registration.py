"""Telling Telegram where our webhook is (and that there is none any more)."""

from __future__ import annotations

from telegram import Bot

# What the bot handles: messages (text, contacts, photos, files) and inline button taps.
ALLOWED_UPDATES = ("message", "callback_query")


def _bot(token: str, api_url: str) -> Bot:
    return Bot(token, base_url=f"{api_url}/bot", base_file_url=f"{api_url}/file/bot")


async def set_webhook(*, token: str, api_url: str, url: str, secret: str) -> bool:
    """Register `url` as the bot's webhook, sending `secret` back on every call."""
    async with _bot(token, api_url) as bot:
        return await bot.set_webhook(
            url=url, secret_token=secret, allowed_updates=list(ALLOWED_UPDATES)
        )


async def delete_webhook(*, token: str, api_url: str) -> bool:
    """Stop Telegram calling the webhook."""
    async with _bot(token, api_url) as bot:
        return await bot.delete_webhook()
