"""Telegram's webhook, and the web chat's link that continues a conversation in Telegram.

Mounted only when a bot is configured (FRONTDESK_TELEGRAM_TOKEN); without one these are 404.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

from anyio import to_thread
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from api.bootstrap import Serving, frontdesk_of
from channels.storable_text import storable_json
from channels.telegram.bot import BadUpdate, TelegramBot
from channels.telegram.chats import CHANNEL
from channels.web.chat_socket import SESSION, session_address
from domain.clients.channel_links import LINK_CODE_LIFETIME, create_link_code
from domain.clients.records import find_client_by_identity
from domain.conversations.receipts import first_delivery, forget_delivery
from domain.kernel.errors import InvalidInput

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 (a header name)


class ChatSessionIn(BaseModel):
    session: str  # the web chat's session token, as its hello confirmed it


class TelegramLinkAvailability(BaseModel):
    available: bool  # the chat's client is known, so a link can be made


class TelegramLinkRead(BaseModel):
    url: str  # https://t.me/<bot>?start=<code>: opens the bot, which links the chat
    expires_at: datetime


def telegram_of(request: Request) -> TelegramBot:
    bot: TelegramBot = request.app.state.telegram
    return bot


def telegram_router(webhook_secret: str) -> APIRouter:
    """The webhook (checked against `webhook_secret`) and the web chat's link routes."""
    router = APIRouter(tags=["telegram"])
    expected = webhook_secret.encode()

    @router.post(
        "/telegram/webhook",
        responses={
            400: {"description": "Not a Telegram Update"},
            403: {"description": "Missing or wrong secret token"},
            413: {"description": "Larger than a webhook may be (FRONTDESK_MAX_WEBHOOK_KB)"},
            500: {"description": "Processing failed; Telegram delivers the update again"},
        },
    )
    async def webhook(request: Request) -> JSONResponse:
        """Take one Update from Telegram; a retried update_id is answered and skipped."""
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, expected):
            return _answer(403, "forbidden", "The secret token is missing or wrong.")
        # Its size is bounded before it gets here, as it arrives (api.body_limits).
        bot = telegram_of(request)
        try:
            # Cleaned, not refused: Telegram delivers a refused update again and again.
            update = bot.read_update(storable_json(json.loads(await request.body())))
        except (ValueError, BadUpdate) as exc:
            detail = str(exc) if isinstance(exc, BadUpdate) else "The body is not JSON."
            return _answer(400, "bad_update", detail)
        uow, update_id = frontdesk_of(request).uow, str(update.update_id)
        first = await to_thread.run_sync(
            lambda: first_delivery(uow=uow(), channel=CHANNEL, external_id=update_id)
        )
        if not first:
            return JSONResponse({"ok": True, "duplicate": True})
        try:
            await bot.process(update)
        except Exception:
            log.exception("Telegram update %s failed; it may be delivered again", update_id)
            await to_thread.run_sync(
                lambda: forget_delivery(uow=uow(), channel=CHANNEL, external_id=update_id)
            )
            return _answer(500, "unavailable", "The update could not be processed.")
        return JSONResponse({"ok": True, "duplicate": False})

    @router.post("/chat/telegram-link/available", response_model=TelegramLinkAvailability)
    async def link_available(session_in: ChatSessionIn, request: Request) -> Any:
        """Tell the web chat whether it may offer to continue in Telegram."""
        address = _address(session_in)
        uow = frontdesk_of(request).uow
        client = await to_thread.run_sync(
            lambda: find_client_by_identity(uow=uow(), channel="web", address=address)
        )
        return TelegramLinkAvailability(available=client is not None)

    @router.post(
        "/chat/telegram-link",
        status_code=201,
        response_model=TelegramLinkRead,
        responses={409: {"description": "The chat has not said who the client is yet"}},
    )
    async def link(session_in: ChatSessionIn, request: Request) -> Any:
        """Make a one-time link (15 minutes) that opens the bot linked to this chat's client."""
        address = _address(session_in)
        frontdesk = frontdesk_of(request)
        client = await to_thread.run_sync(
            lambda: find_client_by_identity(uow=frontdesk.uow(), channel="web", address=address)
        )
        if client is None:
            return _answer(
                409, "not_identified", "Tell the assistant who you are first, then try again."
            )
        code = await to_thread.run_sync(
            lambda: create_link_code(uow=frontdesk.uow(), client_id=client.id, channel=CHANNEL)
        )
        return TelegramLinkRead(
            url=f"https://t.me/{telegram_of(request).username}?start={code}",
            expires_at=frontdesk.clock.now() + LINK_CODE_LIFETIME,
        )

    return router


def _address(session_in: ChatSessionIn) -> str:
    if not SESSION.match(session_in.session):
        raise InvalidInput("This chat session is not valid.", field="session")
    return session_address(session_in.session)


def _answer(status: int, code: str, detail: str) -> JSONResponse:
    return JSONResponse({"code": code, "detail": detail}, status_code=status)


@asynccontextmanager
async def running_telegram(app: FastAPI, serving: Serving) -> AsyncIterator[None]:
    """Run the bot (when one is configured) while the app runs; the hub sends through it."""
    bot, hub = serving.telegram, serving.hub
    if bot is None:
        yield
        return
    await bot.start()
    app.state.telegram = bot
    hub.outlets[CHANNEL] = bot.outlet
    try:
        yield
    finally:
        await hub.drain()  # turns under way still send their replies
        hub.outlets.pop(CHANNEL, None)
        await bot.stop()
