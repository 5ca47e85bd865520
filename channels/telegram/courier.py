"""Delivering notifications to Telegram chats for the notification worker."""

from __future__ import annotations

from telegram import Bot
from telegram.error import BadRequest, Forbidden, InvalidToken, TelegramError

from channels.couriers import DeliveryFailed, Outgoing


class TelegramCourier:
    """Sends a notification's body to a chat id through the Bot API."""

    channel = "telegram"

    def __init__(self, *, token: str, api_url: str = "https://api.telegram.org") -> None:
        self.bot = Bot(token, base_url=f"{api_url}/bot", base_file_url=f"{api_url}/file/bot")
        self._ready = False

    async def send(self, message: Outgoing) -> str | None:
        """Send it; a blocked bot or unknown chat fails for good, anything else is retried."""
        try:
            if not self._ready:
                await self.bot.initialize()
                self._ready = True
            sent = await self.bot.send_message(chat_id=message.to, text=message.body)
        except (Forbidden, BadRequest) as refused:  # 403 blocked by the user, 400 chat not found
            raise DeliveryFailed(f"Telegram refused: {refused.message}", permanent=True) from None
        except InvalidToken:  # its message quotes the token: not for the notifications table
            raise DeliveryFailed("Telegram rejected the bot token") from None
        except TelegramError as failed:  # 429, 5xx, timeouts, network
            raise DeliveryFailed(f"Telegram unavailable: {failed.message}") from None
        return str(sent.message_id)

    async def close(self) -> None:
        if self._ready:
            await self.bot.shutdown()
            self._ready = False
