"""Linking a chat on another channel (Telegram) to a client: by the chat itself, a phone, a code.

A chat that writes first gets a client of its own (a placeholder named from its profile). A
client already on file claims the chat by sharing the phone number on file (the channel vouches
that it is the sender's own) or by a one-time code from a web chat where they proved who they
are. The chat then moves to that client — unless its placeholder has bookings of its own.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select, update

from domain.clients.claims import cut_off_claims, prove_contact
from domain.clients.phones import practice_region, to_e164
from domain.kernel.actors import client_actor
from domain.kernel.errors import InvalidInput, NotFound
from domain.kernel.journal import audit
from domain.kernel.uow import UnitOfWork
from domain.models import (
    Booking,
    BookingStatus,
    ChannelIdentity,
    ChannelLinkCode,
    Client,
    Conversation,
    ConversationStatus,
    find_identity,
)

LINK_CODE_LIFETIME = timedelta(minutes=15)
NAMELESS = "Telegram user"
# Bookings that never were: a placeholder holding only these may still give its chat away.
_NEVER_BOOKED = (BookingStatus.EXPIRED, BookingStatus.RELEASED)


class LinkRefused(InvalidInput):
    """A chat that cannot be linked; `code` says why (the message says it politely)."""

    def __init__(self, message: str, *, reason: str) -> None:
        super().__init__(message)
        self.code = reason


@dataclass(frozen=True)
class ChatClient:
    """The client a chat belongs to; `created` when the chat's first message made them."""

    client_id: str
    name: str
    created: bool = False


@dataclass(frozen=True)
class Linked:
    """How a link went: moved to a client on file, already theirs, or a new phone noted."""

    status: Literal["linked", "already_linked", "phone_noted"]
    client_id: str
    name: str


def client_of_chat(*, uow: UnitOfWork, channel: str, address: str, name: str) -> ChatClient:
    """Return the chat's client, making one named from the chat's profile on its first message."""
    for _ in range(2):
        with uow:
            identity = find_identity(uow.session, channel, address)
            if identity is not None:
                client = uow.session.get_one(Client, identity.client_id)
                return ChatClient(client.id, client.name)
            client = Client(name=name.strip()[:200] or NAMELESS, created_at=uow.now())
            uow.session.add(client)
            uow.session.flush()
            uow.session.add(ChannelIdentity(channel=channel, address=address, client_id=client.id))
            audit(
                uow,
                actor=client_actor(client.id, channel),
                action="client.registered",
                subject_type="client",
                subject_id=client.id,
                details={"channel": channel},
            )
            try:
                uow.commit()
            except IntegrityError:
                continue  # the chat's other first message made the client: read it
            return ChatClient(client.id, client.name, created=True)
    raise RuntimeError(f"could not find or make the client of {channel} chat")


def link_by_phone(*, uow: UnitOfWork, channel: str, address: str, phone: str) -> Linked:
    """Link the chat to the client whose phone this is; the caller vouches it is the sender's.

    Only a client who proved the number (its SMS identity) takes the chat: one who merely typed
    it in when registering does not, and loses the claim. Otherwise the number is proven for the
    chat's own client: kept as their phone if they have none, and their SMS identity either way.
    """
    with uow:
        # Telegram sends an international number without its '+'.
        number = to_e164(phone, region=practice_region(uow.session), international=True)
        proven = find_identity(uow.session, "sms", number)
        if proven is not None:
            owner = uow.session.get_one(Client, proven.client_id)
            linked = _move_chat(uow, channel, address, owner, how="phone")
            cut_off_claims(uow, address=number, keep=owner.id)
            uow.commit()
            return linked
        identity = find_identity(uow.session, channel, address)
        if identity is None:
            raise NotFound("This chat has no client yet.")
        client = uow.session.get_one(Client, identity.client_id)
        # Proven for the chat's own client: anyone who merely typed the number is cut off.
        prove_contact(uow, client_id=client.id, address=number, how=channel)
        audit(
            uow,
            actor=client_actor(client.id, channel),
            action="client.phone_added",
            subject_type="client",
            subject_id=client.id,
            details={"channel": channel, "on_file": client.phone == number},
        )
        uow.commit()
        return Linked("phone_noted", client.id, client.name)


def create_link_code(*, uow: UnitOfWork, client_id: str, channel: str = "telegram") -> str:
    """Make a one-time code that links a chat on `channel` to this client; return it."""
    code = secrets.token_urlsafe(18)  # 24 characters of A-Z a-z 0-9 _ -: a /start payload
    with uow:
        if uow.session.get(Client, client_id) is None:
            raise NotFound("No such client.")
        uow.session.add(
            ChannelLinkCode(
                code_hash=_hash(code),
                client_id=client_id,
                channel=channel,
                created_at=uow.now(),
                expires_at=uow.now() + LINK_CODE_LIFETIME,
            )
        )
        audit(
            uow,
            actor=client_actor(client_id, "web"),
            action="client.link_code_created",
            subject_type="client",
            subject_id=client_id,
            details={"channel": channel},
        )
        uow.commit()
    return code


def redeem_link_code(*, uow: UnitOfWork, channel: str, address: str, code: str) -> Linked:
    """Link the chat to the client a valid, unused code was made for; the code is spent."""
    with uow:
        found = uow.session.exec(
            select(ChannelLinkCode).where(
                ChannelLinkCode.code_hash == _hash(code.strip()),
                ChannelLinkCode.channel == channel,
            )
        ).first()
        if found is None:
            raise LinkRefused(
                "That link is not valid. Open the chat on our website again for a new one.",
                reason="unknown_code",
            )
        if found.used_at is not None:
            raise LinkRefused(
                "That link was used already. Open the chat on our website again for a new one.",
                reason="used_code",
            )
        if uow.now() >= found.expires_at:
            raise LinkRefused(
                "That link has expired. Open the chat on our website again for a new one.",
                reason="expired_code",
            )
        # Spent by a conditional update, so two chats redeeming at once cannot both win.
        spent = uow.session.exec(
            update(ChannelLinkCode)
            .where(col(ChannelLinkCode.id) == found.id, col(ChannelLinkCode.used_at).is_(None))
            .values(used_at=uow.now())
        )
        if spent.rowcount != 1:
            raise LinkRefused(
                "That link was used already. Open the chat on our website again for a new one.",
                reason="used_code",
            )
        client = uow.session.get_one(Client, found.client_id)
        linked = _move_chat(uow, channel, address, client, how="link_code")
        uow.commit()
        return linked


def _move_chat(uow: UnitOfWork, channel: str, address: str, client: Client, *, how: str) -> Linked:
    """Point the chat (and its open conversation) at `client`, inside the caller's transaction."""
    identity = find_identity(uow.session, channel, address)
    if identity is not None and identity.client_id == client.id:
        return Linked("already_linked", client.id, client.name)
    previous = identity.client_id if identity is not None else None
    if previous is not None and _has_bookings(uow, previous):
        raise LinkRefused(
            "This chat already has bookings of its own, so I cannot move it to another client. "
            "Please ask the practice to merge the two.",
            reason="chat_has_bookings",
        )
    if identity is None:
        uow.session.add(ChannelIdentity(channel=channel, address=address, client_id=client.id))
    else:
        identity.client_id = client.id
    open_conversations = uow.session.exec(
        select(Conversation).where(
            Conversation.channel == channel,
            Conversation.address == address,
            Conversation.status != ConversationStatus.CLOSED,
        )
    )
    for conversation in open_conversations:
        conversation.client_id = client.id
        conversation.updated_at = uow.now()
    audit(
        uow,
        actor=client_actor(client.id, channel),
        action="client.identity_linked",
        subject_type="client",
        subject_id=client.id,
        details={"channel": channel, "how": how, "replaced_client": previous},
    )
    return Linked("linked", client.id, client.name)


def _has_bookings(uow: UnitOfWork, client_id: str) -> bool:
    return (
        uow.session.exec(
            select(Booking.id).where(
                Booking.client_id == client_id, col(Booking.status).not_in(_NEVER_BOOKED)
            )
        ).first()
        is not None
    )


def _hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()
