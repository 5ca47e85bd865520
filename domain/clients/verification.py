"""Proving who a chat visitor is: what they typed is a claim; a code sent there proves it.

A visitor who gives a name and a phone or email gets a record of their own at once, holding
that contact as a claim and nothing else (see domain.clients.claims), and a one-time code goes
to the contact they typed. Whether anyone is on file with it changes nothing in the answer, so
the chat cannot tell known contacts from unknown ones. Only the right code, typed in this
conversation, proves the contact: the conversation then belongs to the client it is proven
for, or its own record becomes that client when nobody proved it before.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from typing import Literal

from sqlmodel import col, select

from domain.clients.claims import (
    cut_off_claims,
    fold_empty_record,
    prove_contact,
    proven_owner,
    rests_on_claims,
)
from domain.clients.one_time_codes import (
    ATTEMPTS_PER_CODE,
    CODE_LIFETIME,
    CODES_PER_CONTACT,
    CODES_PER_CONVERSATION,
    Contacts,
    VerificationRefused,
    code_destination,
    code_hash,
    refuse_past_limits,
    send_code,
)
from domain.clients.phones import practice_region
from domain.clients.registration import checked_contact, checked_name, register_client
from domain.kernel.actors import SYSTEM, client_actor
from domain.kernel.errors import InvalidInput, NotFound
from domain.kernel.journal import audit
from domain.kernel.uow import UnitOfWork
from domain.models import ChannelIdentity, Client, Conversation, VerificationCode, find_identity

__all__ = [
    "ATTEMPTS_PER_CODE",
    "CODES_PER_CONTACT",
    "CODES_PER_CONVERSATION",
    "CODE_LIFETIME",
    "Identification",
    "VerificationRefused",
    "identify_client",
    "verify_code",
]


@dataclass(frozen=True)
class Identification:
    status: Literal["registered", "code_sent", "linked", "already_known"]
    name: str
    client_id: str | None = None
    sent_to: str | None = None  # "the phone number you gave, ending in 67"


def identify_client(
    *,
    uow: UnitOfWork,
    conversation_id: str,
    name: str | None,
    phone: str | None = None,
    email: str | None = None,
) -> Identification:
    """Give the visitor a record of their own holding their claim, and send the contact a code.

    Nothing on file is looked up: the answer is the same for a contact somebody has and for
    one nobody has. A text from the number itself proves it (the carrier did) without a code.
    """
    with uow.reading() as reader:
        region = practice_region(reader.session)
    contacts = Contacts(
        checked_contact("phone", phone, region=region),
        checked_contact("email", email, region=region),
    )
    if contacts.for_code is None:
        raise InvalidInput("I need your phone number or email address.")
    with uow.reading() as reader:
        conversation = _conversation(reader, conversation_id)
        current = _current_client(reader, conversation)
        if current is not None and not rests_on_claims(reader, current):
            return Identification("already_known", current.name, client_id=current.id)
        carrier_proven = conversation.channel == "sms" and conversation.address == contacts.phone
    if current is None and (not name or not name.strip()):
        raise InvalidInput("I need your full name as well.")
    destination = None if carrier_proven else code_destination(uow, contacts)
    if not carrier_proven:
        refuse_past_limits(uow, conversation_id, destination)
    record_id = _own_record(uow, conversation_id, current, name, contacts)
    if carrier_proven and contacts.phone is not None:
        client_id = _settle_proof(uow, conversation_id, record_id, contacts.phone, how="carrier")
        with uow.reading() as reader:
            proven = reader.session.get_one(Client, client_id)
            return Identification("registered", proven.name, client_id=proven.id)
    if destination is None:
        # About the number, whoever's it is: the visitor may book on their record all the same.
        raise VerificationRefused(
            "Your number asked us to send it no more texts (STOP), so I cannot text you a "
            "code. Tell me your email address for one, text START to our number to get texts "
            "again, or ask for a person.",
            reason="sms_opted_out",
        )
    shown = send_code(uow, conversation_id, record_id, contacts)
    with uow.reading() as reader:
        record = reader.session.get_one(Client, record_id)
    status: Literal["registered", "code_sent"] = "registered" if current is None else "code_sent"
    return Identification(status, record.name, client_id=record.id, sent_to=shown)


def verify_code(*, uow: UnitOfWork, conversation_id: str, code: str) -> Identification:
    """Prove the contact the latest code went to, if `code` is it, and link the conversation.

    The contact's proven client, if it has one, takes the conversation; otherwise the record
    this conversation made becomes it. Either way every mere claim of the contact is cut off.
    """
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
        if not hmac.compare_digest(sent.code_hash, code_hash(sent.id, code.strip())):
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
        record_id, contact = sent.client_id, sent.sent_to
        uow.commit()
    client_id = _settle_proof(uow, conversation_id, record_id, contact, how="code")
    with uow.reading() as reader:
        client = reader.session.get_one(Client, client_id)
        return Identification("linked", client.name, client_id=client.id)


def _current_client(uow: UnitOfWork, conversation: Conversation) -> Client | None:
    if conversation.client_id is None:
        return None
    return uow.session.get_one(Client, conversation.client_id)


def _own_record(
    uow: UnitOfWork,
    conversation_id: str,
    current: Client | None,
    name: str | None,
    contacts: Contacts,
) -> str:
    """The conversation's own record, made now or corrected to what the visitor says now."""
    if current is None:
        assert name is not None
        client = register_client(
            uow=uow,
            actor=SYSTEM,
            name=name,
            phone=contacts.phone,
            email=contacts.email,
            # Never the key of a record cut off earlier: that one gave its claim up.
            idempotency_key=f"identify:{conversation_id}:{secrets.token_hex(8)}",
            contacts_proven=False,
        )
        _link(uow=uow, conversation_id=conversation_id, client_id=client.id, how="registered")
        return client.id
    with uow:
        record = uow.session.get_one(Client, current.id)
        if name and name.strip():
            record.name = checked_name(name)
        # The record holds only what this conversation said: the latest contact of each kind.
        record.phone = contacts.phone or record.phone
        record.email = contacts.email or record.email
        uow.commit()
        return record.id


def _settle_proof(
    uow: UnitOfWork, conversation_id: str, record_id: str, contact: str, *, how: str
) -> str:
    """Link the conversation to whom `contact` is now proven for; return that client's id."""
    with uow:
        owner = proven_owner(uow, contact)
        if owner is None:
            # Nobody proved it before: the record this conversation made is the proven one.
            # It holds nothing but what this conversation gave it.
            prove_contact(uow, client_id=record_id, address=contact, how=how)
            owner = record_id
        else:
            # Its owner's record takes the conversation; the records that merely claimed it,
            # this conversation's own among them, give the claim and their sessions up.
            cut_off_claims(uow, address=contact, keep=owner)
            fold_empty_record(uow, record_id=record_id, into=owner)
        _link_in(uow, conversation_id, owner, how="verified" if how == "code" else "registered")
        uow.commit()
    return owner


def _link(*, uow: UnitOfWork, conversation_id: str, client_id: str, how: str) -> None:
    """Attach the conversation, and the channel address it came from, to the client."""
    with uow:
        _link_in(uow, conversation_id, client_id, how=how)
        uow.commit()


def _link_in(uow: UnitOfWork, conversation_id: str, client_id: str, *, how: str) -> None:
    conversation = _conversation(uow, conversation_id)
    conversation.client_id = client_id
    conversation.updated_at = uow.now()
    if conversation.address:
        key = (conversation.channel, conversation.address)
        identity = find_identity(uow.session, *key)
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


def _conversation(uow: UnitOfWork, conversation_id: str) -> Conversation:
    conversation = uow.session.get(Conversation, conversation_id)
    if conversation is None:
        raise NotFound("No such conversation.")
    return conversation
