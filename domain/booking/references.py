"""Short booking references: what clients are told, and the booking they mean by quoting one."""

from __future__ import annotations

import re

from sqlmodel import col, select

from domain.kernel.actors import Actor
from domain.kernel.uow import UnitOfWork
from domain.models import Booking

REFERENCE_LENGTH = 8
_QUOTED_REFERENCE = re.compile(r"^(?:ref(?:erence)?\.?:?\s*)?#?\s*([0-9a-f]{8})\.?$", re.IGNORECASE)


def booking_reference(booking_id: str) -> str:
    """The short reference clients are told (SMS, notifications): the id's first 8 characters."""
    return booking_id.replace("-", "")[:REFERENCE_LENGTH].upper()


def booking_id_for(*, uow: UnitOfWork, actor: Actor, quoted: str) -> str:
    """The booking id a client means by what they quote: a full id, or a short reference.

    "7F3A9C21", "ref 7f3a9c21" or "#7F3A9C21" name the one booking of theirs whose id starts
    so; a reference that matches none or several of the bookings the actor may see is handed
    back as it is, and the lookup that follows says no such booking was found.
    """
    match = _QUOTED_REFERENCE.match(quoted.strip())
    if match is None:
        return quoted
    prefix = match.group(1).lower()
    with uow.reading() as reader:
        query = select(Booking.id).where(col(Booking.id).startswith(prefix, autoescape=True))
        if actor.is_client:
            query = query.where(col(Booking.client_id) == actor.id)
        found = list(reader.session.exec(query.limit(2)))
    return found[0] if len(found) == 1 else quoted
