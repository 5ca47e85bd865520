"""Proven contacts and mere claims: whose a phone or email is, and what a proof does to claims.

A phone or email on a client's record is *proven* when a channel identity ("sms", phone) or
("email", address) points at that client: staff or a world file entered it, the carrier
delivered a text from it, Telegram shared it as the sender's own, or a code sent to it was
typed back. Anything else on a record is a *claim*: what a visitor typed. A claim never finds,
joins or reveals anybody.

When a contact is proven for one client, every other record claiming it gives the claim up,
and a record that rested on nothing but claims loses its sessions (web sessions, chats): they
start anonymous again, so nobody who merely typed the contact keeps a way in.
"""

from __future__ import annotations

from typing import Literal

from sqlmodel import col, select

from domain.kernel.actors import SYSTEM
from domain.kernel.journal import audit
from domain.kernel.uow import UnitOfWork
from domain.kernel.versioning import bump_version
from domain.models import (
    Booking,
    ChannelIdentity,
    ChannelLinkCode,
    Client,
    Conversation,
    ConversationStatus,
    DocumentRequest,
    Notification,
    NotificationPreference,
    UploadedDocument,
    VerificationCode,
    find_identity,
)

ContactField = Literal["phone", "email"]
# The channels whose address is the client's phone or email.
CONTACT_CHANNELS: dict[ContactField, str] = {"phone": "sms", "email": "email"}
FIELD_OF_CHANNEL: dict[str, ContactField] = {"sms": "phone", "email": "email"}


def channel_of(address: str) -> str:
    """The channel a contact as stored reaches: an email address, else a phone (SMS)."""
    return "email" if "@" in address else "sms"


def proven_owner(uow: UnitOfWork, address: str) -> str | None:
    """The id of the client this phone or email is proven for; None while nobody proved it."""
    identity = find_identity(uow.session, channel_of(address), address)
    return identity.client_id if identity is not None else None


def rests_on_claims(uow: UnitOfWork, client: Client) -> bool:
    """Whether the record has a phone or email, yet none of its contacts is proven."""
    has_contact = client.phone is not None or client.email is not None
    return has_contact and not _has_proven_contact(uow, client.id)


def prove_contact(uow: UnitOfWork, *, client_id: str, address: str, how: str) -> None:
    """Record, in the caller's transaction, that `address` is proven to be this client's.

    The caller has made sure no other client has it proven. It becomes the record's phone or
    email when that is empty, and every other record's claim of it is cut off.
    """
    channel = channel_of(address)
    field = FIELD_OF_CHANNEL[channel]
    client = uow.session.get_one(Client, client_id)
    if getattr(client, field) is None:
        setattr(client, field, address)
    if find_identity(uow.session, channel, address) is None:
        uow.session.add(ChannelIdentity(channel=channel, address=address, client_id=client_id))
        uow.session.flush()
    audit(
        uow,
        actor=SYSTEM,
        action="client.contact_proven",
        subject_type="client",
        subject_id=client_id,
        details={"channel": channel, "how": how},
    )
    cut_off_claims(uow, address=address, keep=client_id)


def cut_off_claims(uow: UnitOfWork, *, address: str, keep: str) -> list[str]:
    """Take the contact off every record but `keep` that only claims it; return their ids.

    A record left with no proven contact loses its channel identities and its open
    conversations: whoever was talking through it is anonymous again.
    """
    field = FIELD_OF_CHANNEL[channel_of(address)]
    column = col(Client.phone) if field == "phone" else col(Client.email)
    claimants = uow.session.exec(
        select(Client).where(column == address, col(Client.id) != keep).with_for_update()
    ).all()
    for claimant in claimants:
        setattr(claimant, field, None)
        bump_version(claimant)
        sessions = 0 if _has_proven_contact(uow, claimant.id) else _cut_sessions(uow, claimant.id)
        audit(
            uow,
            actor=SYSTEM,
            action="client.claim_withdrawn",
            subject_type="client",
            subject_id=claimant.id,
            details={"field": field, "proven_by": keep, "sessions_cut": sessions},
        )
    uow.session.flush()
    return [claimant.id for claimant in claimants]


def _has_proven_contact(uow: UnitOfWork, client_id: str) -> bool:
    return (
        uow.session.exec(
            select(ChannelIdentity.address).where(
                col(ChannelIdentity.client_id) == client_id,
                col(ChannelIdentity.channel).in_(list(CONTACT_CHANNELS.values())),
            )
        ).first()
        is not None
    )


def _cut_sessions(uow: UnitOfWork, client_id: str) -> int:
    """Unlink every session and open conversation from a record that rests on claims."""
    identities = uow.session.exec(
        select(ChannelIdentity).where(col(ChannelIdentity.client_id) == client_id)
    ).all()
    for identity in identities:
        uow.session.delete(identity)
    conversations = uow.session.exec(
        select(Conversation).where(
            col(Conversation.client_id) == client_id,
            col(Conversation.status) != ConversationStatus.CLOSED,
        )
    ).all()
    for conversation in conversations:
        conversation.client_id = None
        conversation.updated_at = uow.now()
    uow.session.flush()
    return len(identities) + len(conversations)


# What makes a record worth keeping apart: anything a client did or chose through it.
_HOLDINGS = (Booking, DocumentRequest, UploadedDocument, NotificationPreference, ChannelLinkCode)
# What only tells how the record came to be: it goes with the conversation that made it.
_TRAIL = (Conversation, VerificationCode, Notification)


def fold_empty_record(uow: UnitOfWork, *, record_id: str, into: str) -> bool:
    """Fold a record that rests on nothing and holds nothing into `into`; say if it was.

    A visitor whose code proves a contact someone has on file was given a record of their own
    a moment before: empty, it would only stand beside them in every list. With anything in it
    (a booking, a document, a choice) it stays, for staff to merge if they are one person.
    """
    record = uow.session.get(Client, record_id)
    if record is None or record_id == into or record.phone or record.email:
        return False
    if _has_proven_contact(uow, record_id) or any(
        uow.session.exec(select(table).where(col(table.client_id) == record_id)).first()
        for table in _HOLDINGS
    ):
        return False
    for table in _TRAIL:
        for row in uow.session.exec(select(table).where(col(table.client_id) == record_id)):
            row.client_id = into
    for identity in uow.session.exec(
        select(ChannelIdentity).where(col(ChannelIdentity.client_id) == record_id)
    ):
        uow.session.delete(identity)
    uow.session.flush()
    uow.session.delete(record)
    audit(
        uow,
        actor=SYSTEM,
        action="client.folded",
        subject_type="client",
        subject_id=record_id,
        details={"into": into},
    )
    uow.session.flush()
    return True
