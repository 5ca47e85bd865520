"""A client's record and channel identities, read and corrected by the client or by staff.

One rule says whose record an actor may touch: a client only their own; staff as their role
allows (domain.staff.access: admins every client, a provider those who had an appointment with
them). Anything else is "not found", so nobody learns which clients exist.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import or_
from sqlmodel import col, select

from domain.clients.claims import cut_off_claims
from domain.clients.phones import NotAPhoneNumber, practice_region, to_e164
from domain.clients.registration import (
    CONTACT_CHANNELS,
    ContactField,
    checked_contact,
    checked_name,
    contact_words,
    merged_profile,
)
from domain.kernel.actors import Actor, acts_for
from domain.kernel.editing import apply_changes, insert_or_refuse
from domain.kernel.errors import Conflict, Forbidden, InvalidInput, NotFound
from domain.kernel.journal import audit
from domain.kernel.paging import page_of
from domain.kernel.uow import UnitOfWork
from domain.kernel.versioning import bump_version, lock, require_version
from domain.models import ChannelIdentity, Client, StaffUser, find_identity
from domain.staff.access import (
    had_appointment_with,
    is_admin,
    own_provider,
    require_client_access,
    staff_actor,
)

WHAT = "client"


def visible_client(
    uow: UnitOfWork, viewer: Actor | StaffUser, client_id: str, *, locked: bool = False
) -> Client:
    """Return the client's row if the viewer may act on it (`locked`: for this transaction).

    A staff member signed in to the console is a StaffUser, whose role decides; an Actor is a
    client (their own record only) or the system and staff acting through a channel (any).
    """
    if isinstance(viewer, StaffUser):
        require_client_access(uow, viewer, client_id)
        missing = f"No client '{client_id}'."
    else:
        missing = "No such client."
        if not acts_for(viewer, client_id):
            raise NotFound(missing)
    client = lock(uow, Client, client_id) if locked else uow.session.get(Client, client_id)
    if client is None:
        raise NotFound(missing)
    return client


def get_client(*, uow: UnitOfWork, actor: Actor, client_id: str) -> Client:
    with uow.reading() as reader:
        return visible_client(reader, actor, client_id)


def read_client(*, uow: UnitOfWork, staff: StaffUser, client_id: str) -> Client:
    """Return a client's profile to a staff member allowed to see it; the read is audited."""
    with uow:
        client = visible_client(uow, staff, client_id)
        audit(
            uow,
            actor=staff_actor(staff),
            action="client.profile_read",
            subject_type=WHAT,
            subject_id=client_id,
        )
        uow.commit()
    return client


def page_clients(
    *, uow: UnitOfWork, staff: StaffUser, search: str | None, limit: int, offset: int
) -> tuple[list[Client], int]:
    """Return a page of clients by name; a provider sees only those who had an appointment."""
    query = select(Client).order_by(col(Client.name), col(Client.id))
    provider_id = own_provider(staff)
    if provider_id is not None:
        # The same rule as reading one client: an appointment, not a hold, makes them theirs.
        query = query.where(had_appointment_with(provider_id, col(Client.id)))
    with uow.reading() as reader:
        if search:
            # Phone and email are sealed: only a whole one is found, by its blind index.
            matches = [
                col(Client.name).icontains(search, autoescape=True),
                col(Client.email) == search,
            ]
            try:
                # A whole number written as the caller says it ("0170 34419208") finds the
                # client on file as +4917034419208.
                number = to_e164(search, region=practice_region(reader.session))
                matches.append(col(Client.phone) == number)
            except NotAPhoneNumber:
                pass
            query = query.where(or_(*matches))
        return page_of(reader.session, query, limit=limit, offset=offset)


def find_client_by_identity(*, uow: UnitOfWork, channel: str, address: str) -> Client | None:
    with uow.reading() as reader:
        identity = find_identity(reader.session, channel, address)
        return None if identity is None else reader.session.get(Client, identity.client_id)


def link_identity(
    *, uow: UnitOfWork, actor: Actor, client_id: str, channel: str, address: str
) -> None:
    """Attach a channel address to a client; an address already owned by another is refused."""
    with uow:
        visible_client(uow, actor, client_id)
        existing = find_identity(uow.session, channel, address)
        if existing is not None:
            if existing.client_id != client_id:
                raise InvalidInput("That address belongs to another client.")
            return
        uow.session.add(ChannelIdentity(channel=channel, address=address, client_id=client_id))
        audit(
            uow,
            actor=actor,
            action="client.identity_linked",
            subject_type=WHAT,
            subject_id=client_id,
            details={"channel": channel},
        )
        uow.commit()


def update_profile(
    *, uow: UnitOfWork, actor: Actor, client_id: str, values: dict[str, Any]
) -> Client:
    """Merge profile fields (date_of_birth, address, …) into a client's profile."""
    with uow:
        client = visible_client(uow, actor, client_id, locked=True)
        client.profile = merged_profile(client.profile, values)
        bump_version(client)
        audit(
            uow,
            actor=actor,
            action="client.profile_updated",
            subject_type=WHAT,
            subject_id=client_id,
            details={"fields": sorted(values)},
        )
        uow.commit()
        return client


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
        client = visible_client(uow, staff, client_id, locked=True)
        region = practice_region(uow.session)
        contacts: dict[ContactField, str | None] = {
            field: checked_contact(field, fields[field], region=region)
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
            fields["name"] = checked_name(str(fields["name"]))
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
        stale = find_identity(uow.session, channel, old)
        if stale is not None and stale.client_id == client.id:
            uow.session.delete(stale)
            uow.session.flush()
    if address is not None and owner is None:
        identity = ChannelIdentity(channel=channel, address=address, client_id=client.id)
        insert_or_refuse(
            uow,
            identity,
            taken,
            key_taken=lambda: find_identity(uow.session, channel, address) is not None,
        )
        # An admin's entry proves the contact: whoever merely claimed it is cut off.
        cut_off_claims(uow, address=address, keep=client.id)


def _owner(uow: UnitOfWork, field: ContactField, address: str) -> str | None:
    identity = find_identity(uow.session, CONTACT_CHANNELS[field], address)
    return identity.client_id if identity is not None else None
