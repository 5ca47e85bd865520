"""Booking lifecycle: hold → confirmed → completed | no_show | cancelled; reschedule; release."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlmodel import col, select

from domain.booking.drafts import intake_from_profile, missing_intake
from domain.kernel.actors import Actor, acts_for
from domain.kernel.errors import (
    Forbidden,
    InvalidInput,
    InvalidTransition,
    NotFound,
    PolicyViolation,
    SlotUnavailable,
)
from domain.kernel.instants import require_instant
from domain.kernel.journal import audit, enqueue, fingerprint, recall, remember
from domain.kernel.timefmt import format_local, zone
from domain.kernel.uow import UnitOfWork
from domain.kernel.versioning import bump_version, lock, require_version
from domain.models import (
    Booking,
    BookingStatus,
    Client,
    Provider,
    ProviderService,
    Service,
)
from domain.scheduling.calendars import practice
from domain.scheduling.slot_rules import (
    ensure_bookable,
    occupancy,
    refuse_if_unavailable,
    taken,
)

T = TypeVar("T")

EXCLUSION_VIOLATION = "23P01"
UNIQUE_VIOLATION = "23505"
# Deadlocks and serialization failures are worth a fresh attempt; the work is all-or-nothing.
RETRYABLE = {"40P01", "40001"}
ATTEMPTS = 4


def _sqlstate(exc: DBAPIError) -> str | None:
    return getattr(exc.orig, "sqlstate", None)


def retrying(operation: Callable[[], T]) -> T:
    """Run a transactional operation again when PostgreSQL aborted it for a deadlock."""
    for attempt in range(ATTEMPTS):
        try:
            return operation()
        except DBAPIError as exc:
            if _sqlstate(exc) not in RETRYABLE or attempt == ATTEMPTS - 1:
                raise
            time.sleep(0.01 * (attempt + 1))
    raise AssertionError("unreachable")


@contextmanager
def slot_guard(uow: UnitOfWork, *, provider_id: str, start: datetime) -> Iterator[None]:
    """Turn the exclusion constraint's refusal into the answer availability would have given.

    Wrap it around the whole `with uow:` block: the violation may surface at any flush.
    """
    try:
        yield
    except IntegrityError as exc:
        if _sqlstate(exc) != EXCLUSION_VIOLATION:
            raise
        with uow.reading() as reader:
            raise taken(reader.session.get_one(Provider, provider_id), start) from exc


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
                return _get(uow, known)
            booking = _new_hold(uow, actor, client_id, provider_id, service_id, start, intake)
            remember(
                uow, key=idempotency_key, command="hold_slot", print_=print_, resource_id=booking.id
            )
            uow.commit()
            return booking

    try:
        return retrying(attempt)
    except (IntegrityError, SlotUnavailable) as exc:
        if isinstance(exc, IntegrityError) and _sqlstate(exc) != UNIQUE_VIOLATION:
            raise
        # A concurrent call with the same key may have won the race (its row then blocks this
        # one on the key or on the slot): answer with what it created.
        with uow.reading() as reader:
            known = recall(reader, key=idempotency_key, command="hold_slot", print_=print_)
            if known is None:
                raise
            return _get(reader, known)


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
    provider, service = _offering(uow, provider_id, service_id)
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


def confirm_booking(*, uow: UnitOfWork, actor: Actor, booking_id: str) -> Booking:
    """Turn a hold into a confirmed booking after re-checking its slot; repeating is harmless."""

    def attempt() -> Booking:
        with uow:
            booking = _locked(uow, actor, booking_id)
            if booking.status == BookingStatus.CONFIRMED:
                return booking
            if booking.status not in (BookingStatus.HOLD, BookingStatus.EXPIRED):
                raise InvalidTransition(
                    f"This booking is {booking.status.replace('_', ' ')} and cannot be confirmed."
                )
            provider, service = _offering(uow, booking.provider_id, booking.service_id)
            # A live hold is judged by the terms it was offered under; an expired one may still
            # be confirmed if nobody has taken its slot meanwhile, on today's terms.
            live = booking.status == BookingStatus.HOLD and (
                booking.hold_expires_at is not None and booking.hold_expires_at > uow.now()
            )
            ensure_bookable(
                uow,
                provider=provider,
                service=service,
                start=booking.starts_at,
                ignore_booking_id=booking.id,
                policy_now=booking.created_at if live else None,
            )
            missing = missing_intake(service, booking.intake)
            if missing:
                raise InvalidInput(
                    "Before booking we still need: "
                    + ", ".join(field.replace("_", " ") for field in missing)
                    + "."
                )
            _transition(uow, actor, booking, BookingStatus.CONFIRMED, "booking.confirmed")
            booking.hold_expires_at = None
            with slot_guard(uow, provider_id=provider.id, start=booking.starts_at):
                uow.commit()  # nothing is queried after the change, so only this flush writes
            return booking

    return retrying(attempt)


def release_hold(*, uow: UnitOfWork, actor: Actor, booking_id: str) -> Booking:
    """Give a held slot back (declined or corrected summary); repeating is harmless."""
    with uow:
        booking = _locked(uow, actor, booking_id)
        if booking.status in (BookingStatus.RELEASED, BookingStatus.EXPIRED):
            return booking
        if booking.status != BookingStatus.HOLD:
            raise InvalidTransition("Only a booking that is still being confirmed can be released.")
        _transition(uow, actor, booking, BookingStatus.RELEASED, "booking.released", notify=False)
        uow.commit()
        return booking


def cancel_booking(
    *,
    uow: UnitOfWork,
    actor: Actor,
    booking_id: str,
    reason: str = "",
    expected_version: int | None = None,
) -> Booking:
    """Cancel a confirmed booking; clients only within the cancellation notice.

    With `expected_version` (staff over REST), a booking changed since it was read is refused.
    """
    with uow:
        booking = _locked(uow, actor, booking_id)
        _refuse_if_stale(booking, expected_version)
        if booking.status == BookingStatus.CANCELLED:
            return booking
        _ensure_changeable(uow, actor, booking, verb="cancelled")
        _transition(
            uow,
            actor,
            booking,
            BookingStatus.CANCELLED,
            "booking.cancelled",
            details={"reason": reason},
        )
        uow.commit()
        return booking


def reschedule_booking(
    *,
    uow: UnitOfWork,
    actor: Actor,
    booking_id: str,
    new_start: datetime,
    new_provider_id: str | None = None,
) -> Booking:
    """Move a confirmed booking to a free start in one transaction; a repeat changes nothing."""
    require_instant(new_start)

    def attempt() -> Booking:
        with uow:
            booking = _locked(uow, actor, booking_id)
            if booking.status != BookingStatus.CONFIRMED:
                raise InvalidTransition(
                    f"This booking is {booking.status.replace('_', ' ')} and cannot be moved."
                )
            provider_id = new_provider_id or booking.provider_id
            # Before the notice check: repeating a move already made must answer, not refuse.
            if booking.starts_at == new_start and booking.provider_id == provider_id:
                return booking
            if actor.is_client:
                _enforce_notice(uow, booking, verb="moved")
            provider, service = _offering(uow, provider_id, booking.service_id)
            ends_at, blocked_until = occupancy(provider, service, new_start)
            ensure_bookable(
                uow,
                provider=provider,
                service=service,
                start=new_start,
                ignore_booking_id=booking.id,
            )
            moved_from = {"provider": booking.provider_id, "start": booking.starts_at.isoformat()}
            booking.provider_id = provider.id
            booking.starts_at, booking.ends_at = new_start, ends_at
            booking.blocked_until = blocked_until
            _transition(
                uow,
                actor,
                booking,
                BookingStatus.CONFIRMED,
                "booking.rescheduled",
                details={"from": moved_from},
            )
            with slot_guard(uow, provider_id=provider.id, start=new_start):
                uow.commit()  # nothing is queried after the change, so only this flush writes
            return booking

    return retrying(attempt)


def mark_attendance(
    *,
    uow: UnitOfWork,
    actor: Actor,
    booking_id: str,
    attended: bool,
    expected_version: int | None = None,
) -> Booking:
    """Record that a confirmed booking took place or was missed, once it has started."""
    if actor.is_client:
        raise Forbidden("Only staff can record attendance.")
    outcome = BookingStatus.COMPLETED if attended else BookingStatus.NO_SHOW
    with uow:
        booking = _locked(uow, actor, booking_id)
        _refuse_if_stale(booking, expected_version)
        if booking.status == outcome:
            return booking
        if booking.status != BookingStatus.CONFIRMED:
            raise InvalidTransition(
                f"This booking is {booking.status.replace('_', ' ')}; only confirmed ones can be "
                "marked completed or no-show."
            )
        if uow.now() < booking.starts_at:
            raise InvalidTransition("A booking can be marked completed or no-show once it starts.")
        _transition(uow, actor, booking, outcome, f"booking.{outcome.value}", notify=False)
        uow.commit()
        return booking


def list_client_bookings(
    *, uow: UnitOfWork, actor: Actor, client_id: str, upcoming_only: bool = True
) -> list[Booking]:
    """Return a client's confirmed bookings, soonest first (upcoming ones unless told otherwise)."""
    if not acts_for(actor, client_id):
        raise NotFound("No such client.")
    with uow.reading() as reader:
        now = reader.now()
        query = (
            select(Booking)
            .where(col(Booking.client_id) == client_id)
            .where(col(Booking.status) == BookingStatus.CONFIRMED)
            .order_by(col(Booking.starts_at))
        )
        if upcoming_only:
            query = query.where(col(Booking.ends_at) > now)
        return list(reader.session.exec(query))


def get_booking(*, uow: UnitOfWork, actor: Actor, booking_id: str) -> Booking:
    with uow.reading() as reader:
        booking = reader.session.get(Booking, booking_id)
        if booking is None or not _may_see(actor, booking):
            raise NotFound("No booking with that reference was found.")
        return booking


def _may_see(actor: Actor, booking: Booking) -> bool:
    return acts_for(actor, booking.client_id)


def _get(uow: UnitOfWork, booking_id: str) -> Booking:
    return uow.session.get_one(Booking, booking_id)


def _locked(uow: UnitOfWork, actor: Actor, booking_id: str) -> Booking:
    booking = lock(uow, Booking, booking_id)
    # Another client's booking is reported as missing: its existence is not theirs to learn.
    if booking is None or not _may_see(actor, booking):
        raise NotFound("No booking with that reference was found.")
    return booking


def _refuse_if_stale(booking: Booking, expected_version: int | None) -> None:
    """Refuse a change made from an older version; the transition itself counts the new one."""
    if expected_version is not None:
        require_version(booking, expected_version, what="booking")


def _offering(uow: UnitOfWork, provider_id: str, service_id: str) -> tuple[Provider, Service]:
    provider = uow.session.get(Provider, provider_id)
    if provider is None or provider.archived:
        raise NotFound("No such provider.")
    service = uow.session.get(Service, service_id)
    if service is None or service.archived:
        raise NotFound("No such service.")
    if uow.session.get(ProviderService, (provider_id, service_id)) is None:
        raise InvalidInput(f"{provider.name} does not offer {service.name}.")
    return provider, service


def _enforce_notice(uow: UnitOfWork, booking: Booking, *, verb: str) -> None:
    hours = practice(uow.session).cancellation_notice_hours
    deadline = booking.starts_at - timedelta(hours=hours)
    if uow.now() > deadline:
        provider = uow.session.get_one(Provider, booking.provider_id)
        raise PolicyViolation(
            f"Appointments can be {verb} only up to {hours} hours before they start; this one "
            f"could have been {verb} until {format_local(deadline, zone(provider.timezone))}.",
            allowed_until=deadline,
        )


def _transition(
    uow: UnitOfWork,
    actor: Actor,
    booking: Booking,
    status: BookingStatus,
    action: str,
    *,
    notify: bool = True,
    details: dict[str, Any] | None = None,
) -> None:
    booking.status = status
    booking.updated_at = uow.now()
    bump_version(booking)
    audit(
        uow,
        actor=actor,
        action=action,
        subject_type="booking",
        subject_id=booking.id,
        details=details,
    )
    if notify:
        enqueue(
            uow,
            event=action,
            subject_id=booking.id,
            payload={
                "booking_id": booking.id,
                "client_id": booking.client_id,
                "provider_id": booking.provider_id,
                "service_id": booking.service_id,
                "start": booking.starts_at.isoformat(),
                **(details or {}),
            },
        )


def preview_cancel(*, uow: UnitOfWork, actor: Actor, booking_id: str) -> Booking:
    """Refuse now what cancel_booking would refuse, without changing anything."""
    with uow.reading() as reader:
        return _changeable(reader, actor, booking_id, verb="cancelled")


def preview_reschedule(
    *, uow: UnitOfWork, actor: Actor, booking_id: str, new_start: datetime
) -> Booking:
    """Refuse now what reschedule_booking would refuse, without changing anything."""
    require_instant(new_start)
    with uow.reading() as reader:
        booking = _changeable(reader, actor, booking_id, verb="moved")
        provider, service = _offering(reader, booking.provider_id, booking.service_id)
        refuse_if_unavailable(
            reader,
            provider=provider,
            service=service,
            start=new_start,
            ignore_booking_id=booking.id,
        )
        return booking


def _changeable(uow: UnitOfWork, actor: Actor, booking_id: str, *, verb: str) -> Booking:
    return _ensure_changeable(uow, actor, _locked(uow, actor, booking_id), verb=verb)


def _ensure_changeable(uow: UnitOfWork, actor: Actor, booking: Booking, *, verb: str) -> Booking:
    """Return a confirmed booking the actor may cancel or move now, or refuse saying why."""
    if booking.status != BookingStatus.CONFIRMED:
        raise InvalidTransition(
            f"This booking is {booking.status.replace('_', ' ')} and cannot be {verb}."
        )
    if actor.is_client:
        _enforce_notice(uow, booking, verb=verb)
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
            held = _locked(uow, actor, booking_id)
            if held.status != BookingStatus.HOLD:
                raise InvalidTransition("Only a booking that is still being confirmed can change.")
            _transition(uow, actor, held, BookingStatus.RELEASED, "booking.released", notify=False)
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
            return _get(reader, known)
    return retrying(attempt)


def _locked_hold(uow: UnitOfWork, actor: Actor, booking_id: str) -> Booking:
    with uow.reading() as reader:
        return _locked(reader, actor, booking_id)


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
