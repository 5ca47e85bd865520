"""Confirmation: a hold becomes a booking once its slot is re-checked and its intake complete."""

from __future__ import annotations

from domain.booking._transitions import locked, offering, transition
from domain.booking.drafts import missing_intake
from domain.booking.retries import retrying, slot_guard
from domain.kernel.actors import Actor
from domain.kernel.errors import InvalidInput, InvalidTransition
from domain.kernel.uow import UnitOfWork
from domain.models import Booking, BookingStatus
from domain.scheduling.slot_rules import ensure_bookable


def confirm_booking(*, uow: UnitOfWork, actor: Actor, booking_id: str) -> Booking:
    """Turn a hold into a confirmed booking after re-checking its slot; repeating is harmless."""

    def attempt() -> Booking:
        with uow:
            booking = locked(uow, actor, booking_id)
            if booking.status == BookingStatus.CONFIRMED:
                return booking
            if booking.status not in (BookingStatus.HOLD, BookingStatus.EXPIRED):
                raise InvalidTransition(
                    f"This booking is {booking.status.replace('_', ' ')} and cannot be confirmed."
                )
            provider, service = offering(uow, booking.provider_id, booking.service_id)
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
            transition(uow, actor, booking, BookingStatus.CONFIRMED, "booking.confirmed")
            booking.hold_expires_at = None
            with slot_guard(uow, provider_id=provider.id, start=booking.starts_at):
                uow.commit()  # nothing is queried after the change, so only this flush writes
            return booking

    return retrying(attempt)
