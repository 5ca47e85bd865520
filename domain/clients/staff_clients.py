"""Clients as staff see them: found, read (audited) and corrected; providers see their own."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import or_
from sqlmodel import col, select

from domain.clients.registration import (
    CONTACT_CHANNELS,
    ContactField,
    ContactTaken,
    checked_contact,
    contact_words,
    merged_profile,
    register_client,
)
from domain.kernel.editing import apply_changes, insert_or_refuse
from domain.kernel.errors import Conflict, Forbidden, InvalidInput, NotFound
from domain.kernel.journal import audit
from domain.kernel.paging import page_of
from domain.kernel.uow import UnitOfWork
from domain.kernel.versioning import locked_row, require_version
from domain.models import ChannelIdentity, Client, StaffUser
from domain.staff.access import (
    had_appointment_with,
    is_admin,
    own_provider,
    require_client_access,
    staff_actor,
)

WHAT = "client"
# A provider is not told whether a phone or email is another client's: that client may be
# outside what they may see.
NOT_YOURS_TO_TELL = (
    "These contact details cannot be used for a new client. Ask an admin to register them."
)


def page_clients(
    *, uow: UnitOfWork, staff: StaffUser, search: str | None, limit: int, offset: int
) -> tuple[list[Client], int]:
    """Return a page of clients by name; a provider sees only those who had an appointment."""
    query = select(Client).order_by(col(Client.name), col(Client.id))
    provider_id = own_provider(staff)
    if provider_id is not None:
        # The same rule as reading one client: an appointment, not a hold, makes them theirs.
        query = query.where(had_appointment_with(provider_id, col(Client.id)))
    if search:
        query = query.where(
            or_(
                col(Client.name).icontains(search, autoescape=True),
                col(Client.phone).icontains(search, autoescape=True),
                col(Client.email).icontains(search, autoescape=True),
            )
        )
    with uow.reading() as reader:
        return page_of(reader.session, query, limit=limit, offset=offset)


def read_client(*, uow: UnitOfWork, staff: StaffUser, client_id: str) -> Client:
    """Return a client's profile to a staff member allowed to see it; the read is audited."""
    with uow:
        require_client_access(uow, staff, client_id)
        client = uow.session.get(Client, client_id)
        if client is None:
            raise NotFound(f"No client '{client_id}'.")
        audit(
            uow,
            actor=staff_actor(staff),
            action="client.profile_read",
            subject_type=WHAT,
            subject_id=client_id,
        )
        uow.commit()
    return client


def create_client(
    *,
    uow: UnitOfWork,
    staff: StaffUser,
    name: str,
    phone: str | None,
    email: str | None,
    profile: Mapping[str, Any],
    idempotency_key: str,
) -> Client:
    """Register a client (say, one on the phone); the same key sent again returns the same one.

    A phone or email another client has is refused; only an admin learns which one it was.
    """
    if not name.strip():
        raise InvalidInput("A client needs a name.", field="name")
    try:
        return register_client(
            uow=uow,
            actor=staff_actor(staff),
            name=name,
            phone=phone,
            email=email,
            profile=profile,
            # Keys are per staff member: one person's key never answers another's request.
            idempotency_key=f"staff:{staff.id}:{idempotency_key}",
        )
    except ContactTaken as taken:
        raise Conflict(taken.message if is_admin(staff) else NOT_YOURS_TO_TELL) from taken


def update_client(
    *,
    uow: UnitOfWork,
    staff: StaffUser,
    client_id: str,
    expected_version: int,
    changes: Mapping[str, Any],
) -> Client:
    """Correct a client's name, contact details or profile, from the version the staff read.

    Only an admin may change a phone or email: it moves the client's SMS or email identity with
    it, and whoever holds that address can act as the client. One that belongs to another client
    is refused. Profile fields are merged; a field set to null is removed.
    """
    fields = dict(changes)
    with uow:
        require_client_access(uow, staff, client_id)
        client = locked_row(uow, Client, client_id, what=WHAT)
        contacts: dict[ContactField, str | None] = {
            field: checked_contact(field, fields[field])
            for field in CONTACT_CHANNELS
            if field in fields
        }
        moved = [field for field, address in contacts.items() if address != getattr(client, field)]
        if moved and not is_admin(staff):
            raise Forbidden(
                f"Only an admin may change a client's {' or '.join(map(contact_words, moved))}: "
                "whoever has it can act as the client."
            )
        require_version(client, expected_version, what=WHAT)
        if "name" in fields:
            fields["name"] = str(fields["name"]).strip()
            if not fields["name"]:
                raise InvalidInput("A client needs a name.", field="name")
        for field in moved:
            _move_identity(uow, client, field, contacts[field])
        fields.update(contacts.items())
        if "profile" in fields:
            fields["profile"] = merged_profile(client.profile, fields["profile"])
        updated = apply_changes(
            uow, actor=staff_actor(staff), row=client, changes=fields, subject=WHAT
        )
        uow.commit()
    return updated


def _move_identity(
    uow: UnitOfWork, client: Client, field: ContactField, address: str | None
) -> None:
    channel = CONTACT_CHANNELS[field]
    taken = Conflict(f"Another client already has this {contact_words(field)}.")
    owner = None if address is None else _owner(uow, field, address)
    if owner not in (None, client.id):
        raise taken
    old = getattr(client, field)
    if old is not None:
        stale = uow.session.get(ChannelIdentity, (channel, old))
        if stale is not None and stale.client_id == client.id:
            uow.session.delete(stale)
            uow.session.flush()
    if address is not None and owner is None:
        identity = ChannelIdentity(channel=channel, address=address, client_id=client.id)
        insert_or_refuse(uow, identity, taken)


def _owner(uow: UnitOfWork, field: ContactField, address: str) -> str | None:
    identity = uow.session.get(ChannelIdentity, (CONTACT_CHANNELS[field], address))
    return identity.client_id if identity is not None else None
