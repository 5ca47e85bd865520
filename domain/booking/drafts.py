"""Booking drafts: the pre-filled summary of a hold, and the intake answers that complete it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from domain.booking import notice
from domain.booking._transitions import MISSING
from domain.clients.registration import merged_profile
from domain.kernel.actors import Actor, acts_for
from domain.kernel.errors import InvalidTransition, NotFound
from domain.kernel.journal import audit
from domain.kernel.timefmt import format_when, zone
from domain.kernel.uow import UnitOfWork
from domain.kernel.versioning import bump_version, lock, locked_row
from domain.models import Booking, BookingStatus, Client, Provider, Service
from domain.scheduling.calendars import practice


@dataclass(frozen=True)
class BookingSummary:
    booking_id: str
    status: str
    service: str
    provider: str
    location: str
    start: str  # local wall time, as a person reads it
    start_iso: str
    price: str
    currency: str
    intake: dict[str, str]
    missing: list[str]
    changeable_online_until: str  # local wall time; after it only the practice can change it
    change_note: str | None  # set once that time has passed, even before the booking is made


class IntakeForm(Protocol):
    """A service's intake questions: the fields a booking must answer before it is confirmed."""

    @property
    def intake_fields(self) -> Sequence[str]: ...


def missing_intake(service: IntakeForm, intake: Mapping[str, Any]) -> list[str]:
    """Return the intake fields the service needs that have no value yet, in the service's order."""
    return [field for field in service.intake_fields if not intake.get(field)]


def intake_from_profile(service: IntakeForm, profile: Mapping[str, Any]) -> dict[str, str]:
    """Return the intake answers a client's profile already gives."""
    return {f: str(profile[f]) for f in service.intake_fields if profile.get(f)}


def summarize(uow: UnitOfWork, booking: Booking) -> BookingSummary:
    provider = uow.session.get_one(Provider, booking.provider_id)
    service = uow.session.get_one(Service, booking.service_id)
    policy = practice(uow.session)
    return BookingSummary(
        booking_id=booking.id,
        status=booking.status,
        service=service.name,
        provider=provider.name,
        location=provider.location,
        start=_when(uow, booking.starts_at, provider),
        start_iso=booking.starts_at.astimezone(zone(provider.timezone)).isoformat(),
        price=booking.price,
        currency=booking.currency,
        intake=dict(booking.intake),
        missing=missing_intake(service, booking.intake),
        changeable_online_until=_when(
            uow, notice.changeable_online_until(policy, booking), provider
        ),
        change_note=notice.past_notice_note(
            policy, booking, now=uow.now(), timezone=provider.timezone
        ),
    )


def booking_summary(*, uow: UnitOfWork, actor: Actor, booking_id: str) -> BookingSummary:
    """Return what the client is asked to confirm (or has booked)."""
    with uow.reading() as reader:
        booking = reader.session.get(Booking, booking_id)
        if booking is None or not acts_for(actor, booking.client_id):
            raise NotFound(MISSING)
        return summarize(reader, booking)


def fill_intake(
    *, uow: UnitOfWork, actor: Actor, booking_id: str, values: dict[str, str]
) -> BookingSummary:
    """Save intake answers to the client's profile and to the held booking, together."""
    with uow:
        booking = lock(uow, Booking, booking_id)
        if booking is None or not acts_for(actor, booking.client_id):
            raise NotFound(MISSING)
        if booking.status != BookingStatus.HOLD:
            raise InvalidTransition("Only a booking that is still being confirmed can be changed.")
        client = locked_row(uow, Client, booking.client_id, what="client")
        answers = merged_profile({}, values)
        client.profile = merged_profile(client.profile, values)
        booking.intake = {**booking.intake, **answers}
        bump_version(client)
        bump_version(booking)
        audit(
            uow,
            actor=actor,
            action="booking.intake_filled",
            subject_type="booking",
            subject_id=booking.id,
            details={"fields": sorted(answers)},
        )
        uow.commit()
        return summarize(uow, booking)


def describe_start(*, uow: UnitOfWork, booking_id: str, start: datetime) -> str:
    """Format a start in the booking provider's zone, as a person reads it."""
    with uow.reading() as reader:
        booking = reader.session.get_one(Booking, booking_id)
        provider = reader.session.get_one(Provider, booking.provider_id)
        return _when(reader, start, provider)


def _when(uow: UnitOfWork, start: datetime, provider: Provider) -> str:
    home = zone(practice(uow.session).timezone)
    return format_when(start, zone(provider.timezone), now=uow.now(), home=home)
