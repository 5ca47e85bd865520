"""Registering clients, by themselves or by staff, and the rules their details must meet."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from sqlalchemy.exc import IntegrityError

from domain.clients.claims import CONTACT_CHANNELS, ContactField, prove_contact
from domain.clients.phones import NotAPhoneNumber, practice_region, to_e164
from domain.kernel.actors import Actor
from domain.kernel.errors import Conflict, InvalidInput
from domain.kernel.journal import audit, fingerprint, recall, remember
from domain.kernel.uow import UnitOfWork
from domain.models import Client, StaffUser, find_identity
from domain.staff.access import is_admin, staff_actor

__all__ = ["CONTACT_CHANNELS", "ContactField", "ContactTaken", "register_client"]
PROFILE_FIELD = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def checked_contact(field: ContactField, value: str | None, *, region: str | None) -> str | None:
    """Return a phone number (E.164, a national one read in `region`) or an email address as
    stored, None when blank; or refuse it, naming the field."""
    text = (value or "").strip()
    if not text:
        return None
    if field == "phone":
        try:
            return to_e164(text, region=region)
        except NotAPhoneNumber as exc:
            raise NotAPhoneNumber(exc.message, field=field) from exc
    if not EMAIL.match(text):
        raise InvalidInput(f"{text!r} does not look like an email address.", field=field)
    return text.lower()


def checked_name(name: str) -> str:
    """Return a client's name as stored, or refuse a blank one."""
    if not name.strip():
        raise InvalidInput("A client needs a name.", field="name")
    return name.strip()


def contact_words(field: ContactField) -> str:
    return "phone number" if field == "phone" else "email address"


class ContactTaken(InvalidInput):
    """A phone number or email address that is already another client's."""

    code = "contact_taken"


def register_client(
    *,
    uow: UnitOfWork,
    actor: Actor,
    name: str,
    phone: str | None = None,
    email: str | None = None,
    idempotency_key: str,
    profile: Mapping[str, Any] | None = None,
    contacts_proven: bool = True,
) -> Client:
    """Create a client with their contact identities; the same key returns the same client.

    An ("sms", phone) or ("email", address) identity means the contact is proven to be the
    client's (see domain.clients.claims): texts, Telegram's shared numbers and one-time codes
    find clients only through it. Staff and world files are trusted to enter contacts, and
    their entry cuts off anyone who merely claimed them; a visitor registering in a chat only
    claims them, so pass `contacts_proven=False`: they are kept on file, without identities,
    and may be another client's.
    """
    name = checked_name(name)
    with uow.reading() as reader:
        region = practice_region(reader.session)
    phone = checked_contact("phone", phone, region=region)
    email = checked_contact("email", email, region=region)
    known_profile = checked_profile(profile or {})
    arguments: dict[str, Any] = {"name": name, "phone": phone, "email": email}
    if known_profile:  # only then: keys given before profiles could be passed still match
        arguments["profile"] = known_profile
    print_ = fingerprint(arguments)
    with uow:
        known = recall(uow, key=idempotency_key, command="register_client", print_=print_)
        if known is not None:
            return uow.session.get_one(Client, known)
        addresses: dict[ContactField, str | None] = {"phone": phone, "email": email}
        for field, address in addresses.items():
            channel = CONTACT_CHANNELS[field]
            if not contacts_proven:
                break  # claims take nobody's contact
            if address and find_identity(uow.session, channel, address) is not None:
                # A concurrent call with this key may have committed since the first look.
                known = recall(uow, key=idempotency_key, command="register_client", print_=print_)
                if known is not None:
                    return uow.session.get_one(Client, known)
                raise ContactTaken(
                    f"A client with this {contact_words(field)} already exists.", field=field
                )
        client = Client(
            name=name, phone=phone, email=email, profile=known_profile, created_at=uow.now()
        )
        uow.session.add(client)
        uow.session.flush()
        remember(
            uow,
            key=idempotency_key,
            command="register_client",
            print_=print_,
            resource_id=client.id,
        )
        audit(
            uow,
            actor=actor,
            action="client.registered",
            subject_type="client",
            subject_id=client.id,
        )
        try:
            for address in addresses.values():
                if address and contacts_proven:
                    prove_contact(uow, client_id=client.id, address=address, how="entered")
            uow.commit()
        except IntegrityError as exc:
            failure = exc
        else:
            return client
    # A concurrent call with the same key may have won: answer with the client it created.
    with uow.reading() as reader:
        known = recall(reader, key=idempotency_key, command="register_client", print_=print_)
        if known is not None:
            return reader.session.get_one(Client, known)
    raise ContactTaken("A client with these contact details already exists.") from failure


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
    """Register a client for a staff member (say, a caller on the phone); see register_client.

    A phone or email another client has proven is refused to an admin, who sees every client.
    A provider is not told whether it is someone's (they may not see that client): their
    client is made all the same, holding the contacts as claims only, which prove nothing and
    find nobody. Either way the answer to a provider does not depend on who else is on file.
    """
    arguments: dict[str, Any] = {
        "uow": uow,
        "actor": staff_actor(staff),
        "name": name,
        "phone": phone,
        "email": email,
        "profile": profile,
        # Keys are per staff member: one person's key never answers another's request.
        "idempotency_key": f"staff:{staff.id}:{idempotency_key}",
    }
    try:
        return register_client(**arguments)
    except ContactTaken as taken:
        if is_admin(staff):
            raise Conflict(taken.message) from taken
    return register_client(**arguments, contacts_proven=False)


def checked_profile(values: Mapping[str, Any]) -> dict[str, str]:
    """Return profile fields as stored (text); refuse odd names and values that are not scalars."""
    for field, value in values.items():
        if not PROFILE_FIELD.match(field):
            raise InvalidInput(f"{field!r} is not a valid profile field name.", field="profile")
        if not isinstance(value, str | int | float | bool) or isinstance(value, bool):
            raise InvalidInput(f"The value for {field} must be text or a number.", field="profile")
    return {field: str(value) for field, value in values.items()}


def merged_profile(current: Mapping[str, str], edits: Mapping[str, Any]) -> dict[str, str]:
    """Return the profile with edits merged in, as text; None removes a field, blank keeps it.

    Every way a profile changes (an answer to the agent, a staff correction) merges this way.
    """
    if not isinstance(edits, Mapping):
        raise InvalidInput("The profile must map field names to values.", field="profile")
    removed = {field for field, value in edits.items() if value is None}
    checked_profile({field: "" for field in removed})  # the names only
    given = checked_profile({f: v for f, v in edits.items() if f not in removed})
    kept = {field: value.strip() for field, value in given.items() if value.strip()}
    return {f: v for f, v in {**current, **kept}.items() if f not in removed}
