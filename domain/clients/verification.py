"""Proving who a chat visitor is: new clients register, known ones confirm a one-time code.

Claiming a known client's name and phone is not enough to see their bookings: a code goes to
the phone or email on file, and only the right code links the conversation to that client.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

from sqlmodel import col, func, select

from domain.clients.phones import practice_region
from domain.clients.registration import checked_contact, register_client
from domain.kernel.actors import SYSTEM, client_actor
from domain.kernel.errors import InvalidInput, NotFound
from domain.kernel.journal import audit, enqueue
from domain.kernel.uow import UnitOfWork
from domain.models import ChannelIdentity, Client, Conversation, VerificationCode
from domain.notifications.codes import CODE_EVENT
from domain.notifications.opt_outs import number_opted_out

CODE_LIFETIME = timedelta(minutes=10)
ATTEMPTS_PER_CODE = 5
CODES_PER_HOUR = 3  # per client


class VerificationRefused(InvalidInput):
    def __init__(self, message: str, *, reason: str) -> None:
        super().__init__(message)
        self.code = reason


@dataclass(frozen=True)
class Identification:
    status: Literal["registered", "code_sent", "linked", "already_known"]
    name: str
    client_id: str | None = None
    sent_to: str | None = None  # "the phone number ending in 67"


def identify_client(
    *,
    uow: UnitOfWork,
    conversation_id: str,
    name: str | None,
    phone: str | None = None,
    email: str | None = None,
) -> Identification:
    """Register a new client, or send a known one a code; either way nothing is shown yet."""
    with uow.reading() as reader:
        region = practice_region(reader.session)
    phone = checked_contact("phone", phone, region=region)
    email = checked_contact("email", email, region=region)
    if phone is None and email is None:
        raise InvalidInput("I need your phone number or email address.")
    with uow.reading() as reader:
        conversation = _conversation(reader, conversation_id)
        if conversation.client_id is not None:
            known = reader.session.get_one(Client, conversation.client_id)
            return Identification("already_known", known.name, client_id=known.id)
        # A text from the number itself proves it (the carrier did): it never joins a client
        # who only claimed that number, it gets a client of its own (staff can merge them).
        carrier_proven = conversation.channel == "sms" and conversation.address == phone
        existing = _client_with(reader, phone=phone, email=email, proven_only=carrier_proven)
    if existing is not None:
        return _send_code(uow=uow, conversation_id=conversation_id, client=existing)
    if not name or not name.strip():
        raise InvalidInput("I need your full name as well.")
    client = register_client(
        uow=uow,
        actor=SYSTEM,
        name=name,
        phone=phone,
        email=email,
        idempotency_key=f"identify:{conversation_id}:{phone or email}",
        # Claimed, not proven: _link below adds the identity when this chat is a text from it.
        phone_proven=False,
    )
    _link(uow=uow, conversation_id=conversation_id, client_id=client.id, how="registered")
    return Identification("registered", client.name, client_id=client.id)


def verify_code(*, uow: UnitOfWork, conversation_id: str, code: str) -> Identification:
    """Link the conversation to the client the latest code was sent to, if `code` is it."""
    with uow:
        sent = uow.session.exec(
            select(VerificationCode)
            .where(
                VerificationCode.conversation_id == conversation_id,
                col(VerificationCode.used_at).is_(None),
            )
            # The open code first: earlier ones were set to no tries left when it was sent.
            .order_by(col(VerificationCode.attempts_left).desc())
        ).first()
        if sent is None:
            raise VerificationRefused(
                "I have no open code for this chat: tell me your phone number or email "
                "and I will send one.",
                reason="no_code",
            )
        if sent.attempts_left <= 0:
            raise VerificationRefused(
                "Too many wrong codes. Ask me for a new code, or for a person.",
                reason="too_many_attempts",
            )
        if uow.now() >= sent.expires_at:
            raise VerificationRefused(
                "That code has expired. Tell me your phone number or email again for a new one.",
                reason="code_expired",
            )
        if not hmac.compare_digest(sent.code_hash, _hash(sent.id, code.strip())):
            sent.attempts_left -= 1
            uow.commit()
            if sent.attempts_left == 0:
                raise VerificationRefused(
                    "That code is not right, and that was the last try. Ask me for a new code, "
                    "or for a person.",
                    reason="too_many_attempts",
                )
            tries = "try" if sent.attempts_left == 1 else "tries"
            raise VerificationRefused(
                f"That code is not right. {sent.attempts_left} {tries} left.",
                reason="wrong_code",
            )
        sent.used_at = uow.now()
        client_id = sent.client_id
        if _proves_phone(uow, sent):
            # The code reached this phone and came back: it is proven to be the client's.
            uow.session.add(
                ChannelIdentity(channel="sms", address=sent.sent_to, client_id=client_id)
            )
        uow.commit()
    _link(uow=uow, conversation_id=conversation_id, client_id=client_id, how="verified")
    with uow.reading() as reader:
        client = reader.session.get_one(Client, client_id)
        return Identification("linked", client.name, client_id=client.id)


def _send_code(*, uow: UnitOfWork, conversation_id: str, client: Client) -> Identification:
    code = f"{secrets.randbelow(10**6):06d}"
    with uow:
        channel, destination = _code_channel(uow, client)
        recent = uow.session.exec(
            select(func.count())
            .select_from(VerificationCode)
            # Counted per client, not per chat: new chats must not buy an attacker more
            # guesses at one person's code, nor flood their phone.
            .where(
                VerificationCode.client_id == client.id,
                col(VerificationCode.created_at) > uow.now() - timedelta(hours=1),
            )
        ).one()
        if recent >= CODES_PER_HOUR:
            raise VerificationRefused(
                "I have sent several codes already. Please try again in an hour, "
                "or ask for a person.",
                reason="too_many_codes",
            )
        # A new code replaces any earlier one.
        for earlier in uow.session.exec(
            select(VerificationCode).where(
                VerificationCode.conversation_id == conversation_id,
                col(VerificationCode.used_at).is_(None),
            )
        ):
            earlier.attempts_left = 0
        sent = VerificationCode(
            conversation_id=conversation_id,
            client_id=client.id,
            code_hash="",
            sent_to=destination,
            created_at=uow.now(),
            expires_at=uow.now() + CODE_LIFETIME,
            attempts_left=ATTEMPTS_PER_CODE,
        )
        sent.code_hash = _hash(sent.id, code)
        uow.session.add(sent)
        enqueue(
            uow,
            event=CODE_EVENT,
            subject_id=client.id,
            payload={"channel": channel, "to": destination, "code": code, "client_id": client.id},
        )
        audit(
            uow,
            actor=SYSTEM,
            action="client.code_sent",
            subject_type="conversation",
            subject_id=conversation_id,
            details={"client_id": client.id, "channel": channel},
        )
        uow.commit()
    what = "phone number" if channel == "sms" else "email address"
    ending = destination[-2:] if channel == "sms" else destination.split("@")[-1]
    shown = f"your {what} ending in {ending}" if channel == "sms" else f"your {what} at {ending}"
    # No name: until the code is typed, nothing about the client goes back to the chat.
    return Identification("code_sent", "", sent_to=shown)


def _code_channel(uow: UnitOfWork, client: Client) -> tuple[str, str]:
    """Where a code reaches the client: their phone, unless it texted STOP; else their email."""
    if client.phone and not number_opted_out(uow.session, client.phone):
        return "sms", client.phone
    if client.email:
        return "email", client.email
    raise VerificationRefused(
        "Your number asked us to send it no more texts (STOP), so I cannot text you a code, "
        "and I have no email address for you. Text START to our number to get texts again, "
        "or ask for a person.",
        reason="sms_opted_out",
    )


def _link(*, uow: UnitOfWork, conversation_id: str, client_id: str, how: str) -> None:
    """Attach the conversation, and the channel address it came from, to the client."""
    with uow:
        conversation = _conversation(uow, conversation_id)
        conversation.client_id = client_id
        conversation.updated_at = uow.now()
        if conversation.address:
            key = (conversation.channel, conversation.address)
            identity = uow.session.get(ChannelIdentity, key)
            if identity is None:
                uow.session.add(
                    ChannelIdentity(
                        channel=conversation.channel,
                        address=conversation.address,
                        client_id=client_id,
                    )
                )
            else:
                identity.client_id = client_id
        audit(
            uow,
            actor=client_actor(client_id, conversation.channel),
            action=f"conversation.client_{how}",
            subject_type="conversation",
            subject_id=conversation_id,
        )
        uow.commit()


def _conversation(uow: UnitOfWork, conversation_id: str) -> Conversation:
    conversation = uow.session.get(Conversation, conversation_id)
    if conversation is None:
        raise NotFound("No such conversation.")
    return conversation


def _proves_phone(uow: UnitOfWork, sent: VerificationCode) -> bool:
    """Whether the code went by text to the phone on file that no identity claims yet."""
    client = uow.session.get_one(Client, sent.client_id)
    return (
        sent.sent_to == client.phone
        and uow.session.get(ChannelIdentity, ("sms", sent.sent_to)) is None
    )


def _client_with(
    uow: UnitOfWork, *, phone: str | None, email: str | None, proven_only: bool = False
) -> Client | None:
    """The client a visitor claims to be: by a proven identity, or else by the phone or email
    on file (a code sent there decides); with `proven_only`, a phone only by its identity."""
    for channel, address in (("sms", phone), ("email", email)):
        if address is None:
            continue
        identity = uow.session.get(ChannelIdentity, (channel, address))
        if identity is not None:
            return uow.session.get(Client, identity.client_id)
        if channel == "sms" and proven_only:
            continue
        column = Client.phone if channel == "sms" else Client.email
        found = uow.session.exec(select(Client).where(column == address)).first()
        if found is not None:
            return found
    return None


def _hash(code_id: str, code: str) -> str:
    return hashlib.sha256(f"{code_id}:{code}".encode()).hexdigest()
