"""Holds: a start reserved for a few minutes while the client confirms, released or swapped."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import make_transient_to_detached

from domain.booking._hold_read import (
    HoldAsk,
    HoldDetails,
    HoldRead,
    MadeBefore,
    claim_for_hold,
    read_for_hold,
    read_for_hold_alone,
    read_hold_details,
)
from domain.booking._transitions import get, locked, transition
from domain.booking.drafts import intake_from_profile
from domain.booking.retries import refused_as_taken, retrying
from domain.kernel.actors import Actor, acts_for
from domain.kernel.db import is_sqlite
from domain.kernel.errors import InvalidTransition, NotFound, SlotUnavailable
from domain.kernel.instants import require_instant
from domain.kernel.journal import audit, fingerprint, recall, remember
from domain.kernel.uow import UnitOfWork
from domain.models import Booking, BookingStatus, new_id
from domain.models.sealed import bound_to_row
from domain.scheduling.slot_rules import expire_stale_holds, occupancy, refuse_if_unavailable


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

    booking_id = new_id()
    ask = HoldAsk(client_id, provider_id, service_id, start, idempotency_key, "hold_slot", print_)

    def attempt() -> Booking:
        # On PostgreSQL the read goes alone, before the transaction: a refusal (what contention
        # is mostly made of) is then that one statement. SQLite reads inside the transaction,
        # whose write lock (BEGIN IMMEDIATE) is what keeps the start free until the commit; on
        # PostgreSQL the exclusion constraint does, and the key's claim below decides a race.
        read: HoldRead | MadeBefore | None = None
        if not is_sqlite(uow.engine):
            read = read_for_hold_alone(uow, ask)
            if isinstance(read, HoldRead):
                _refuse_if_unavailable(uow, read, start)  # no transaction is open to end
        with uow:
            if read is None:
                read = read_for_hold(uow, ask)
                if isinstance(read, HoldRead):
                    try:
                        _refuse_if_unavailable(uow, read, start)
                    except SlotUnavailable:
                        # Nothing is written yet, so COMMIT ends the transaction as ROLLBACK
                        # would; but psycopg drops a connection's prepared statements on ROLLBACK.
                        uow.commit()
                        raise
            if isinstance(read, MadeBefore):
                return get(uow, read.booking_id)
            details = claim_for_hold(
                uow,
                client_id=client_id,
                service_id=service_id,
                key=idempotency_key,
                command="hold_slot",
                print_=print_,
                resource_id=booking_id,
            )
            if details is None:  # a concurrent call with the same key got there first
                known = recall(uow, key=idempotency_key, command="hold_slot", print_=print_)
                if known is None:
                    raise AssertionError("a key that could not be claimed is on record")
                return get(uow, known)
            # The exclusion constraint refuses at the hold's INSERT, which _new_hold sends.
            with refused_as_taken(read.provider, start):
                booking = _new_hold(
                    uow,
                    actor,
                    client_id,
                    read,
                    start,
                    intake,
                    booking_id=booking_id,
                    details=details,
                )
                uow.commit()
            return booking

    return retrying(attempt)


_INSERT_BOOKING = insert(Booking)
_COLUMNS = tuple(column.key for column in _INSERT_BOOKING.table.columns)


def _refuse_if_unavailable(uow: UnitOfWork, read: HoldRead, start: datetime) -> None:
    refuse_if_unavailable(
        uow,
        provider=read.provider,
        service=read.service,
        start=start,
        policy=read.policy,
        calendar=read.calendar,
    )


def _new_hold(
    uow: UnitOfWork,
    actor: Actor,
    client_id: str,
    read: HoldRead,
    start: datetime,
    intake: dict[str, Any] | None,
    *,
    booking_id: str,
    details: HoldDetails | None = None,
) -> Booking:
    """Write a hold on a start already found free, expiring stale holds that still block it."""
    provider, service = read.provider, read.service
    if details is None:
        details = read_hold_details(uow, client_id=client_id, service_id=service.id)
    now = uow.now()
    ends_at, blocked_until = occupancy(provider, service, start)
    if read.stale_holds:  # else there is nothing to expire: no statement
        expire_stale_holds(uow, provider_id=provider.id, start=start, blocked_until=blocked_until)
    booking = Booking(
        id=booking_id,
        client_id=client_id,
        provider_id=provider.id,
        service_id=service.id,
        starts_at=start,
        ends_at=ends_at,
        blocked_until=blocked_until,
        status=BookingStatus.HOLD,
        hold_expires_at=now + timedelta(minutes=read.policy.hold_minutes),
        channel=actor.channel,
        intake={**intake_from_profile(details, details.profile), **(intake or {})},
        price=details.price,
        currency=details.currency,
        created_at=now,
        updated_at=now,
    )
    audit(
        uow,
        actor=actor,
        action="booking.held",
        subject_type="booking",
        subject_id=booking.id,
        details={"provider": provider.id, "service": service.id, "start": start.isoformat()},
    )
    # A plain INSERT built once, not an ORM object flushed at commit (the flush cost more
    # than the statement): the booking is returned detached, as a committed session's is. It
    # goes last, just before COMMIT: an uncommitted row the exclusion constraint sees makes
    # an overlapping writer wait (and two such writers can deadlock), so it stays briefly.
    row = {c: getattr(booking, c) for c in _COLUMNS}
    row["intake"] = bound_to_row(booking.intake, booking.id)
    uow.session.connection().execute(_INSERT_BOOKING, row)
    make_transient_to_detached(booking)
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
        with uow:
            held = locked(uow, actor, booking_id)
            if held.status != BookingStatus.HOLD:
                raise InvalidTransition("Only a booking that is still being confirmed can change.")
            transition(uow, actor, held, BookingStatus.RELEASED, "booking.released", notify=False)
            uow.session.flush()
            ask = HoldAsk(
                held.client_id,
                held.provider_id,
                held.service_id,
                new_start,
                None,
                "move_hold",
                booking_id,
            )
            read = read_for_hold(uow, ask)
            if not isinstance(read, HoldRead):
                raise AssertionError("without a key there is no earlier answer")
            _refuse_if_unavailable(uow, read, new_start)
            with refused_as_taken(read.provider, new_start):
                moved = _new_hold(
                    uow,
                    actor,
                    held.client_id,
                    read,
                    new_start,
                    dict(held.intake),
                    booking_id=new_id(),
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
