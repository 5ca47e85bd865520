"""/start (with a one-time link code from the web chat, or none) and a shared phone contact."""

from __future__ import annotations

from anyio import to_thread
from telegram import KeyboardButton, ReplyKeyboardMarkup, ReplyKeyboardRemove, Update
from telegram.ext import ContextTypes

from channels.telegram.chats import CHANNEL, ChannelDeps, chat_address, chat_client
from domain.clients.channel_links import Linked, LinkRefused, link_by_phone, redeem_link_code
from domain.kernel.errors import InvalidInput

SHARE_PHONE = "📱 Share my phone number"
ASK = "Tell me what you need, for example “a dermatologist tomorrow morning”."


def share_phone_keyboard() -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        [[KeyboardButton(SHARE_PHONE, request_contact=True)]],
        resize_keyboard=True,
        one_time_keyboard=True,
    )


async def on_start(deps: ChannelDeps, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Greet the chat, linking it first when /start carries a link code."""
    message = update.effective_message
    assert message is not None
    code = context.args[0] if context.args else None
    if code:
        address = chat_address(update)
        try:
            linked = await to_thread.run_sync(
                lambda: redeem_link_code(
                    uow=deps.uow(), channel=CHANNEL, address=address, code=code
                )
            )
        except LinkRefused as refusal:
            await chat_client(deps, update)  # they can chat all the same
            await message.reply_text(refusal.message)
            return
        await message.reply_text(
            f"Welcome, {linked.name}! This chat is now linked to your client record. {ASK}",
            reply_markup=ReplyKeyboardRemove(),
        )
        return
    client = await chat_client(deps, update)
    if client.created:
        await message.reply_text(
            f"Hello {client.name}! I book appointments with our doctors, lawyers and notaries. "
            f"{ASK}\n\nBeen with us before? Share your phone number with the button below and "
            "I will link this chat to your client record.",
            reply_markup=share_phone_keyboard(),
        )
    else:
        await message.reply_text(f"Welcome back, {client.name}! {ASK}")


async def on_contact(deps: ChannelDeps, update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
    """Link the chat by the sender's own phone number; someone else's contact card is refused."""
    message = update.effective_message
    assert message is not None
    assert message.contact is not None
    sender = update.effective_user
    contact = message.contact
    if sender is None or contact.user_id != sender.id:
        await message.reply_text(
            "I can only link your own phone number: please use the “Share my phone number” "
            "button rather than sending a contact card.",
            reply_markup=share_phone_keyboard(),
        )
        return
    await chat_client(deps, update)
    address = chat_address(update)
    try:
        linked = await to_thread.run_sync(
            lambda: link_by_phone(
                uow=deps.uow(), channel=CHANNEL, address=address, phone=contact.phone_number
            )
        )
    except LinkRefused as refusal:
        await message.reply_text(refusal.message, reply_markup=ReplyKeyboardRemove())
        return
    except InvalidInput:
        await message.reply_text(
            "That does not look like a phone number I can use.", reply_markup=ReplyKeyboardRemove()
        )
        return
    await message.reply_text(_linked_text(linked), reply_markup=ReplyKeyboardRemove())


def _linked_text(linked: Linked) -> str:
    if linked.status == "linked":
        return f"Thank you, {linked.name}: this chat is now linked to your client record. {ASK}"
    if linked.status == "already_linked":
        return f"This chat is already linked to your client record, {linked.name}. {ASK}"
    return f"Thank you, I have noted your phone number. {ASK}"
