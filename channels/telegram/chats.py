"""What every handler needs: the chat's client, and handing a client's words to the hub."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from anyio import to_thread
from telegram import Update

from channels.hub import Hub
from channels.messages import Inbound
from domain.clients.channel_links import ChatClient, client_of_chat
from domain.conversations.language import hint_language
from domain.documents.sealing import DocumentKey
from domain.kernel.errors import DomainError
from domain.kernel.uow import UnitOfWork

CHANNEL = "telegram"
MAX_TEXT = 2000  # as the web chat: longer is a paste, not a message to an assistant


@dataclass(frozen=True)
class ChannelDeps:
    """What the Telegram handlers call: the hub, the database, the key files are sealed with."""

    hub: Hub
    uow: Callable[[], UnitOfWork]
    document_key: DocumentKey
    max_upload_bytes: int


def chat_address(update: Update) -> str:
    """A chat's address in conversations and identities: its id, as text."""
    assert update.effective_chat is not None  # the handlers only take updates from a chat
    return str(update.effective_chat.id)


def profile_name(update: Update) -> str:
    user = update.effective_user
    return user.full_name if user is not None else ""


async def chat_client(deps: ChannelDeps, update: Update) -> ChatClient:
    """The chat's client: found, or made from the Telegram profile on its first message."""
    address, name = chat_address(update), profile_name(update)
    return await to_thread.run_sync(
        lambda: client_of_chat(uow=deps.uow(), channel=CHANNEL, address=address, name=name)
    )


async def say_to_hub(deps: ChannelDeps, update: Update, text: str, message_id: str) -> None:
    """Hand what the client said (typed or tapped) to the hub; a refusal is told to the chat."""
    message = update.effective_message
    text = text.replace("\x00", "").strip()
    if not text:
        return
    if len(text) > MAX_TEXT:
        if message is not None:
            await message.reply_text(
                f"That message is too long for me; please keep it under {MAX_TEXT} characters."
            )
        return
    await chat_client(deps, update)
    user = update.effective_user
    hints = [user.language_code] if user is not None and user.language_code else []

    async def started(conversation_id: str) -> None:
        # Telegram's language_code is the first hint, before the client has written a word.
        await to_thread.run_sync(
            lambda: hint_language(uow=deps.uow(), conversation_id=conversation_id, hints=hints)
        )

    try:
        await deps.hub.receive(
            Inbound(CHANNEL, chat_address(update), text, message_id=message_id),
            on_conversation=started,
        )
    except DomainError as refusal:
        if update.effective_chat is not None:
            await update.effective_chat.send_message(refusal.message)
