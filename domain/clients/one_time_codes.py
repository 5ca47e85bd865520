"""One-time codes: where one goes, how many a chat or a contact may have, sending one.

A code proves the very phone or email it was sent to, typed by the visitor; never one on file.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlmodel import col, func, select

from domain.clients.claims import channel_of
from domain.kernel.actors import SYSTEM
from domain.kernel.errors import InvalidInput
from domain.kernel.journal import audit, enqueue
from domain.kernel.uow import UnitOfWork
from domain.models import VerificationCode
from domain.notifications.codes import CODE_EVENT
from domain.notifications.opt_outs import number_opted_out

CODE_LIFETIME = timedelta(minutes=10)
ATTEMPTS_PER_CODE = 5
# Codes an hour. One chat asks for a few; a phone or email gets more, from every chat together,
# so strangers opening chats cannot easily use up its owner's codes, yet its owner is never
# flooded and guesses stay few (CODES_PER_CONTACT * ATTEMPTS_PER_CODE an hour, in a million).
CODES_PER_CONVERSATION = 3
CODES_PER_CONTACT = 10
CODE_WINDOW = timedelta(hours=1)


class VerificationRefused(InvalidInput):
    def __init__(self, message: str, *, reason: str) -> None:
        super().__init__(message)
        self.code = reason


@dataclass(frozen=True)
class Contacts:
    phone: str | None
    email: str | None

    @property
    def for_code(self) -> str | None:
        return self.phone or self.email


def code_destination(uow: UnitOfWork, contacts: Contacts) -> str | None:
    """Where the code goes: the phone typed, unless it texted STOP; else the email typed."""
    if contacts.phone is not None:
        with uow.reading() as reader:
            if not number_opted_out(reader.session, contacts.phone):
                return contacts.phone
    return contacts.email


def refuse_past_limits(uow: UnitOfWork, conversation_id: str, destination: str | None) -> None:
    """Refuse a code past this chat's limit, or past the limit of the contact from all chats."""
    if destination is None:
        return
    with uow.reading() as reader:
        since = reader.now() - CODE_WINDOW
        recent = select(func.count()).select_from(VerificationCode)
        recent = recent.where(col(VerificationCode.created_at) > since)
        by_chat = reader.session.exec(
            recent.where(VerificationCode.conversation_id == conversation_id)
        ).one()
        to_contact = reader.session.exec(
            recent.where(VerificationCode.sent_to == destination)
        ).one()
    if by_chat >= CODES_PER_CONVERSATION or to_contact >= CODES_PER_CONTACT:
        raise VerificationRefused(
            "I have sent several codes already. Please try again in an hour, or ask for a person.",
            reason="too_many_codes",
        )


def send_code(
    uow: UnitOfWork, conversation_id: str, record_id: str, contacts: Contacts
) -> str | None:
    """Send a fresh code to the contact typed; return how the chat names it (None: no code)."""
    destination = code_destination(uow, contacts)
    if destination is None:
        return None  # a phone that texted STOP, and no email: no code, nothing proven
    channel = channel_of(destination)
    code = f"{secrets.randbelow(10**6):06d}"
    with uow:
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
            client_id=record_id,
            code_hash="",
            sent_to=destination,
            created_at=uow.now(),
            expires_at=uow.now() + CODE_LIFETIME,
            attempts_left=ATTEMPTS_PER_CODE,
        )
        sent.code_hash = code_hash(sent.id, code)
        uow.session.add(sent)
        enqueue(
            uow,
            event=CODE_EVENT,
            subject_id=record_id,
            # The contact stays in the sealed code row: the outbox keeps none in clear.
            payload={"channel": channel, "code_id": sent.id, "code": code, "client_id": record_id},
        )
        audit(
            uow,
            actor=SYSTEM,
            action="client.code_sent",
            subject_type="conversation",
            subject_id=conversation_id,
            details={"client_id": record_id, "channel": channel},
        )
        uow.commit()
    # Named from what the visitor typed, never from what is on file.
    if channel == "sms":
        return f"the phone number you gave, ending in {destination[-2:]}"
    return f"the email address you gave, at {destination.split('@')[-1]}"


def code_hash(code_id: str, code: str) -> str:
    return hashlib.sha256(f"{code_id}:{code}".encode()).hexdigest()
