"""Photos and files a client sends: kept for the document they were asked for."""

from __future__ import annotations

from anyio import to_thread
from telegram import Message, Update
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from channels.presenting import entry_json
from channels.telegram.chats import CHANNEL, ChannelDeps, chat_address, chat_client
from domain.documents.uploads import Upload, store_upload, wanted_document
from domain.kernel.actors import client_actor
from domain.kernel.errors import DomainError

NOTHING_ASKED = (
    "Thank you, but I have not asked you for any document. Once you have a booking that needs "
    "one, I will tell you what to send."
)


async def on_file(deps: ChannelDeps, update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    assert message is not None
    sent = _sent_file(message)
    if sent is None:
        return
    file_id, filename, size = sent
    if size is not None and size > deps.max_upload_bytes:
        await message.reply_text(_too_large(deps.max_upload_bytes))
        return
    client = await chat_client(deps, update)
    caption = message.caption or ""
    wanted = await to_thread.run_sync(
        lambda: wanted_document(deps.uow(), client.client_id, caption)
    )
    if wanted is None:
        await message.reply_text(NOTHING_ASKED)
        return
    try:
        telegram_file = await message.get_bot().get_file(file_id)
        data = bytes(await telegram_file.download_as_bytearray())
    except BadRequest:  # Telegram hands bots files up to 20 MB
        await message.reply_text(_too_large(deps.max_upload_bytes))
        return
    conversation = await deps.hub.conversation_for(CHANNEL, chat_address(update))

    def store() -> Upload:
        return store_upload(
            uow=deps.uow(),
            key=deps.document_key,
            actor=client_actor(client.client_id, CHANNEL),
            filename=filename,
            data=data,
            channel=CHANNEL,
            max_bytes=deps.max_upload_bytes,
            request_id=wanted.request_id,
            conversation_id=conversation.id if conversation else None,
        )

    try:
        upload = await to_thread.run_sync(store)
    except DomainError as refusal:
        await message.reply_text(refusal.message)
        return
    if upload.entry is not None:
        # Consoles watching the conversation see the file arrive, as with the web chat's upload.
        deps.hub.publish_entry(upload.entry.conversation_id, entry_json(upload.entry))
    if upload.duplicate:
        await message.reply_text(f"I had received this file for your {wanted.name} already.")
    else:
        await message.reply_text(
            f"Received your {wanted.name}: {upload.document.filename}. Thank you!"
        )


def _sent_file(message: Message) -> tuple[str, str, int | None] | None:
    """The file's id, a name for it, and its size as Telegram declares it."""
    if message.photo:
        largest = message.photo[-1]
        return largest.file_id, f"photo-{message.message_id}.jpg", largest.file_size
    if message.document is not None:
        document = message.document
        name = document.file_name or f"file-{message.message_id}"
        return document.file_id, name, document.file_size
    return None


def _too_large(max_bytes: int) -> str:
    return f"That file is too large: files up to {max_bytes / (1024 * 1024):g} MB are accepted."
