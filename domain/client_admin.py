"""Clients as staff see them: found, read (audited) and corrected; providers see their own."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import exists, or_
from sqlmodel import col, select

from domain.access import own_provider, require_client_access, staff_actor
from domain.clients import EMAIL, checked_profile, normalize_phone, register_client
from domain.editing import change
from domain.errors import Conflict, InvalidInput, NotFound
from domain.journal import audit
from domain.models import Booking, ChannelIdentity, Client, IdempotencyKey, StaffUser
from domain.paging import page_of
from domain.uow import UnitOfWork

WHAT = "client"
# The channels whose address is the client's phone or email: they move when it changes.
CONTACT_CHANNELS = {"phone": "sms", "email": "email"}


def page_clients(
    *, uow: UnitOfWork, staff: StaffUser, search: str | None, limit: int, offset: int
) -> tuple[list[Client], int]:
    """Return a page of clients by name; a provider sees only those who booked with them."""
    query = select(Client).order_by(col(Client.name), col(Client.id))
    provider_id = own_provider(staff)
    if provider_id is not None:
        booked_with_them = exists().where(
            col(Booking.client_id) == col(Client.id), col(Booking.provider_id) == provider_id
        )
        query = query.where(booked_with_them)
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
    """Register a client (say, one on the phone); the same key sent again returns the same one."""
    if not name.strip():
        raise InvalidInput("A client needs a name.", field="name")
    phone = _contact("phone", phone)
    email = _contact("email", email)
    # Keys are per staff member: one person's key never answers another's request.
    key = f"staff:{staff.id}:{idempotency_key}"
    with uow.reading() as reader:
        retried = reader.session.get(IdempotencyKey, key) is not None
        for field, address in (("phone", phone), ("email", email)):
            if not retried and address and _owner(reader, field, address) is not None:
                raise Conflict(f"A client with this {_words(field)} already exists.")
    return register_client(
        uow=uow,
        actor=staff_actor(staff),
        name=name,
        phone=phone,
        email=email,
        profile=profile,
        idempotency_key=key,
    )


def update_client(
    *,
    uow: UnitOfWork,
    staff: StaffUser,
    client_id: str,
    expected_version: int,
    changes: Mapping[str, Any],
) -> Client:
    """Correct a client's name, contact details or profile, from the version the staff read.

    A new phone or email moves the client's SMS or email identity with it; one that belongs to
    another client is refused. Profile fields are merged; a field set to null is removed.
    """
    fields = dict(changes)
    with uow:
        require_client_access(uow, staff, client_id)
        client = uow.session.get(Client, client_id)
        if client is None:
            raise NotFound(f"No client '{client_id}'.")
        if "name" in fields:
            fields["name"] = str(fields["name"]).strip()
            if not fields["name"]:
                raise InvalidInput("A client needs a name.", field="name")
        for field in CONTACT_CHANNELS:
            if field in fields:
                fields[field] = _contact(field, fields[field])
                _move_identity(uow, client, field, fields[field])
        if "profile" in fields:
            fields["profile"] = _merged_profile(client.profile, fields["profile"])
        updated = change(
            uow,
            actor=staff_actor(staff),
            model=Client,
            row_id=client_id,
            expected_version=expected_version,
            changes=fields,
            what=WHAT,
            subject=WHAT,
        )
        uow.commit()
    return updated


def _contact(field: str, value: object) -> str | None:
    if value is None or value == "":
        return None
    text = str(value).strip()
    if field == "phone":
        try:
            return normalize_phone(text)
        except InvalidInput as exc:
            raise InvalidInput(exc.message, field=field) from exc
    if not EMAIL.match(text):
        raise InvalidInput(f"{text!r} does not look like an email address.", field=field)
    return text.lower()


def _move_identity(uow: UnitOfWork, client: Client, field: str, address: str | None) -> None:
    channel = CONTACT_CHANNELS[field]
    old = getattr(client, field)
    if address == old:
        return
    if address is not None:
        owner = _owner(uow, field, address)
        if owner is not None and owner != client.id:
            raise Conflict(f"Another client already has this {_words(field)}.")
    if old is not None:
        stale = uow.session.get(ChannelIdentity, (channel, old))
        if stale is not None and stale.client_id == client.id:
            uow.session.delete(stale)
            uow.session.flush()
    if address is not None and _owner(uow, field, address) is None:
        uow.session.add(ChannelIdentity(channel=channel, address=address, client_id=client.id))


def _owner(uow: UnitOfWork, field: str, address: str) -> str | None:
    identity = uow.session.get(ChannelIdentity, (CONTACT_CHANNELS[field], address))
    return identity.client_id if identity is not None else None


def _merged_profile(current: Mapping[str, Any], edits: object) -> dict[str, str]:
    if not isinstance(edits, Mapping):
        raise InvalidInput("The profile must map field names to values.", field="profile")
    removed = {field for field, value in edits.items() if value is None}
    kept = checked_profile({f: v for f, v in edits.items() if f not in removed})
    return {f: v for f, v in {**current, **kept}.items() if f not in removed}


def _words(field: str) -> str:
    return "phone number" if field == "phone" else "email address"
