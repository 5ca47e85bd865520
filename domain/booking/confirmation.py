"""Confirmation: a hold becomes a booking once its slot is re-checked and its intake complete;
staff book for a client in one step (hold, then confirm) under the same rules."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from domain.booking._terms import NO_SUCH_CLIENT, locked_with_terms, offering
from domain.booking._transitions import transition
from domain.booking.drafts import intake_from_profile, missing_intake
from domain.booking.holds import hold_slot, release_hold
from domain.booking.retries import refused_as_taken, retrying
from domain.kernel.actors import Actor
from domain.kernel.errors import Conflict, DomainError, InvalidInput, InvalidTransition, NotFound
from domain.kernel.uow import UnitOfWork
from domain.models import Booking, BookingStatus, Client, Service, StaffUser
from domain.scheduling.slot_rules import ensure_bookable, refuse_if_unavailable
from domain.staff.access import (
    APPOINTMENT_STATUSES,
    may_book_for,
    require_own_provider,
    staff_actor,
)


def confirm_booking(*, uow: UnitOfWork, actor: Actor, booking_id: str) -> Booking:
    """Turn a hold into a confirmed booking after re-checking its slot; repeating is harmless."""

    def attempt() -> Booking:
        with uow:
            booking, terms = locked_with_terms(uow, actor, booking_id)
            if booking.status == BookingStatus.CONFIRMED:
                return booking
            if booking.status not in (BookingStatus.HOLD, BookingStatus.EXPIRED):
                raise InvalidTransition(
                    f"This booking is {booking.status.replace('_', ' ')} and cannot be confirmed."
                )
            if terms is None:
                offering(uow, booking.provider_id, booking.service_id)  # says what is gone
                raise AssertionError("unreachable: the offering stands after all")
            provider, service = terms.provider, terms.service
            # A live hold is judged by the terms it was offered under; an expired one may still
            # be confirmed if nobody has taken its slot meanwhile, on today's terms.
            live = booking.status == BookingStatus.HOLD and (
                booking.hold_expires_at is not None and booking.hold_expires_at > uow.now()
            )
            check = refuse_if_unavailable if live else ensure_bookable
            # A live hold already occupies its slot, so no stale hold can overlap it: only an
            # expired one, occupying again, needs them expired first (ensure_bookable).
            check(
                uow,
                provider=provider,
                service=service,
                start=booking.starts_at,
                ignore_booking_id=booking.id,
                policy_now=booking.created_at if live else None,
            )
            _refuse_missing(missing_intake(service, booking.intake))
            transition(uow, actor, booking, BookingStatus.CONFIRMED, "booking.confirmed")
            booking.hold_expires_at = None
            with refused_as_taken(provider, booking.starts_at):
                uow.commit()  # nothing is queried after the change, so only this flush writes
            return booking

    return retrying(attempt)


def book_for_client(
    *,
    uow: UnitOfWork,
    staff: StaffUser,
    client_id: str,
    provider_id: str,
    service_id: str,
    start: datetime,
    intake: Mapping[str, Any],
    idempotency_key: str,
) -> Booking:
    """Book a free start for a client (hold, then confirm); the same key books only once.

    A provider books only with themself, and only for a client already theirs or one their
    staff registered (access.may_book_for); any other client, like a missing one, is "not
    found", and is checked before anything else about the client is said. What the client's
    profile lacks of the service's intake must come in `intake`, or nothing is held.

    The same key sent again answers with its booking once that was confirmed (whatever became
    of it since); a booking the key held but could not confirm is refused, as a conflict.
    """
    require_own_provider(staff, provider_id)
    with uow.reading() as reader:
        if not may_book_for(reader, staff, client_id):
            raise NotFound(NO_SUCH_CLIENT)  # as holding answers for a client that does not exist
    intake = {field: str(value) for field, value in intake.items()}
    _refuse_incomplete_intake(uow, client_id, service_id, intake)
    actor = staff_actor(staff)
    held = hold_slot(
        uow=uow,
        actor=actor,
        client_id=client_id,
        provider_id=provider_id,
        service_id=service_id,
        start=start,
        idempotency_key=staff_key(staff, idempotency_key),
        intake=intake,
    )
    if held.status in APPOINTMENT_STATUSES:
        return held  # the same request again: it was confirmed (and may have moved on) already
    if held.status == BookingStatus.RELEASED:
        raise Conflict(
            "A request with this key was not booked: the start could not be confirmed and was "
            "given back. Look for a free start again and send the booking with a new key."
        )
    try:
        return confirm_booking(uow=uow, actor=actor, booking_id=held.id)
    except DomainError:
        release_hold(uow=uow, actor=actor, booking_id=held.id)  # no slot kept for nothing
        raise


def staff_key(staff: StaffUser, idempotency_key: str) -> str:
    """Return the key a staff member's booking request is held under."""
    # Keys are per staff member: one person's key never answers another's request.
    return f"staff:{staff.id}:{idempotency_key}"


def _refuse_incomplete_intake(
    uow: UnitOfWork, client_id: str, service_id: str, intake: Mapping[str, str]
) -> None:
    with uow.reading() as reader:
        client = reader.session.get(Client, client_id)
        service = reader.session.get(Service, service_id)
    if client is None or service is None:
        return  # holding says which one is missing, in the same words as NO_SUCH_CLIENT
    _refuse_missing(
        missing_intake(service, {**intake_from_profile(service, client.profile), **intake}),
        field="intake",
    )


def _refuse_missing(missing: list[str], *, field: str | None = None) -> None:
    if missing:
        raise InvalidInput(
            "Before booking we still need: "
            + ", ".join(name.replace("_", " ") for name in missing)
            + ".",
            field=field,
        )
