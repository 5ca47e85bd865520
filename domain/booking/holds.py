"""Holds: a start reserved for a few minutes while the client confirms, released or swapped."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError

from domain.booking._transitions import get, locked, offering, transition
from domain.booking.drafts import intake_from_profile
from domain.booking.retries import UNIQUE_VIOLATION, retrying, slot_guard, sqlstate
from domain.kernel.actors import Actor, acts_for
from domain.kernel.errors import InvalidTransition, NotFound, SlotUnavailable
from domain.kernel.instants import require_instant
from domain.kernel.journal import audit, fingerprint, recall, remember
from domain.kernel.uow import UnitOfWork
from domain.models import Booking, BookingStatus, Client
from domain.scheduling.calendars import practice
from domain.scheduling.slot_rules import ensure_bookable, occupancy


def hold_slot(
    *,
    uow: UnitOfWork,
    actor: Actor,
    client_id: str,
    provider_id: str,
    service_id: str,
    start: datetime,
    idempotency_key: str,
    intake: dict[str, Any] | None = None,
) -> Booking:
    """Reserve a free start for the policy's hold minutes while the client confirms."""
    # Before the key is looked up: a key must not reveal another client's hold.
    if not acts_for(actor, client_id):
        raise NotFound("No such client.")
    require_instant(start)
    print_ = fingerprint(
        {
            "client": client_id,
            "provider": provider_id,
            "service": service_id,
            "start": start.astimezone(UTC).isoformat(),
        }
    )

    def attempt() -> Booking:
        with slot_guard(uow, provider_id=provider_id, start=start), uow:
            known = recall(uow, key=idempotency_key, command="hold_slot", print_=print_)
            if known is not None:
                return get(uow, known)
            booking = _new_hold(uow, actor, client_id, provider_id, service_id, start, intake)
            remember(
                uow, key=idempotency_key, command="hold_slot", print_=print_, resource_id=booking.id
            )
            uow.commit()
            return booking

    try:
        return retrying(attempt)
    except (IntegrityError, SlotUnavailable) as exc:
        if isinstance(exc, IntegrityError) and sqlstate(exc) != UNIQUE_VIOLATION:
            raise
        # A concurrent call with the same key may have won the race (its row then blocks this
        # one on the key or on the slot): answer with what it created.
        with uow.reading() as reader:
            known = recall(reader, key=idempotency_key, command="hold_slot", print_=print_)
            if known is None:
                raise
            return get(reader, known)


def _new_hold(
    uow: UnitOfWork,
    actor: Actor,
    client_id: str,
    provider_id: str,
    service_id: str,
    start: datetime,
    intake: dict[str, Any] | None,
) -> Booking:
    client = uow.session.get(Client, client_id)
    if client is None:
        raise NotFound("No such client.")
    provider, service = offering(uow, provider_id, service_id)
    now = uow.now()
    ends_at, blocked_until = occupancy(provider, service, start)
    ensure_bookable(uow, provider=provider, service=service, start=start)
    booking = Booking(
        client_id=client_id,
        provider_id=provider.id,
        service_id=service.id,
        starts_at=start,
        ends_at=ends_at,
        blocked_until=blocked_until,
        status=BookingStatus.HOLD,
        hold_expires_at=now + timedelta(minutes=practice(uow.session).hold_minutes),
        channel=actor.channel,
        intake={**intake_from_profile(service, client), **(intake or {})},
        price=service.price,
        currency=service.currency,
        created_at=now,
        updated_at=now,
    )
    uow.session.add(booking)
    audit(
        uow,
        actor=actor,
        action="booking.held",
        subject_type="booking",
        subject_id=booking.id,
        details={"provider": provider.id, "service": service.id, "start": start.isoformat()},
    )
    return booking


def release_hold(*, uow: UnitOfWork, actor: Actor, booking_id: str) -> Booking:
    """Give a held slot back (declined or corrected summary); repeating is harmless."""
    with uow:
        booking = locked(uow, actor, booking_id)
        if booking.status in (BookingStatus.RELEASED, BookingStatus.EXPIRED):
            return booking
        if booking.status != BookingStatus.HOLD:
            raise InvalidTransition("Only a booking that is still being confirmed can be released.")
        transition(uow, actor, booking, BookingStatus.RELEASED, "booking.released", notify=False)
        uow.commit()
        return booking


def move_hold(
    *, uow: UnitOfWork, actor: Actor, booking_id: str, new_start: datetime, idempotency_key: str
) -> Booking:
    """Swap a held draft for a hold on another start in one transaction.

    The old hold is released first inside the transaction, so a new start overlapping it is
    free; if the new start is refused, the rollback leaves the old hold as it was.
    """
    require_instant(new_start)

    def attempt() -> Booking:
        old = _locked_hold(uow, actor, booking_id)
        with slot_guard(uow, provider_id=old.provider_id, start=new_start), uow:
            held = locked(uow, actor, booking_id)
            if held.status != BookingStatus.HOLD:
                raise InvalidTransition("Only a booking that is still being confirmed can change.")
            transition(uow, actor, held, BookingStatus.RELEASED, "booking.released", notify=False)
            uow.session.flush()
            moved = _new_hold(
                uow,
                actor,
                held.client_id,
                held.provider_id,
                held.service_id,
                new_start,
                dict(held.intake),
            )
            remember(
                uow,
                key=idempotency_key,
                command="move_hold",
                print_=booking_id,
                resource_id=moved.id,
            )
            uow.commit()
            return moved

    with uow.reading() as reader:
        known = recall(reader, key=idempotency_key, command="move_hold", print_=booking_id)
        if known is not None:
            return get(reader, known)
    return retrying(attempt)


def _locked_hold(uow: UnitOfWork, actor: Actor, booking_id: str) -> Booking:
    with uow.reading() as reader:
        return locked(reader, actor, booking_id)
