"""What every change of a booking goes through: the locked row, the offering, the notice, and
the transition with its audit event and outbox message."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import and_, select
from sqlmodel import col

from domain.kernel.actors import Actor, acts_for
from domain.kernel.errors import InvalidInput, InvalidTransition, NotFound, PolicyViolation
from domain.kernel.journal import audit, enqueue
from domain.kernel.timefmt import format_when, zone
from domain.kernel.uow import UnitOfWork
from domain.kernel.versioning import bump_version, lock, require_version
from domain.models import (
    PRACTICE_ROW_ID,
    Booking,
    BookingStatus,
    Client,
    Practice,
    Provider,
    ProviderService,
    Service,
    StaffUser,
)
from domain.scheduling.calendars import practice
from domain.staff.access import own_provider

MISSING = "No booking with that reference was found."


def may_see(actor: Actor, booking: Booking) -> bool:
    return acts_for(actor, booking.client_id)


def get(uow: UnitOfWork, booking_id: str) -> Booking:
    return uow.session.get_one(Booking, booking_id)


def locked(uow: UnitOfWork, actor: Actor, booking_id: str) -> Booking:
    booking = lock(uow, Booking, booking_id)
    # Another client's booking is reported as missing: its existence is not theirs to learn.
    if booking is None or not may_see(actor, booking):
        raise NotFound(MISSING)
    return booking


def visible_to_staff(uow: UnitOfWork, staff: StaffUser, booking_id: str) -> Booking:
    """Return the booking if this staff member may see it: admins all, a provider their own."""
    booking = uow.session.get(Booking, booking_id)
    limit_to = own_provider(staff)
    if booking is None or (limit_to is not None and booking.provider_id != limit_to):
        raise NotFound(MISSING)
    return booking


def refuse_if_stale(booking: Booking, expected_version: int | None) -> None:
    """Refuse a change made from an older version; the transition itself counts the new one."""
    if expected_version is not None:
        require_version(booking, expected_version, what="booking")


NO_SUCH_PROVIDER = "No such provider."
NO_SUCH_SERVICE = "No such service."


def not_offered(provider: Provider, service: Service) -> InvalidInput:
    return InvalidInput(f"{provider.name} does not offer {service.name}.")


def offering(uow: UnitOfWork, provider_id: str, service_id: str) -> tuple[Provider, Service]:
    provider = uow.session.get(Provider, provider_id)
    if provider is None or provider.archived:
        raise NotFound(NO_SUCH_PROVIDER)
    service = uow.session.get(Service, service_id)
    if service is None or service.archived:
        raise NotFound(NO_SUCH_SERVICE)
    if uow.session.get(ProviderService, (provider_id, service_id)) is None:
        raise not_offered(provider, service)
    return provider, service


@dataclass(frozen=True)
class Terms:
    """What a booking is made on: the provider, the service they offer, the practice's policy."""

    provider: Provider
    service: Service
    policy: Practice


def _offered() -> Any:
    return and_(
        col(ProviderService.provider_id) == col(Provider.id),
        col(ProviderService.service_id) == col(Service.id),
    )


def _checked(provider: Provider, service: Service, offered: str | None) -> None:
    """Refuse what `offering` refuses, in its words, for rows read together."""
    if provider.archived:
        raise NotFound(NO_SUCH_PROVIDER)
    if service.archived:
        raise NotFound(NO_SUCH_SERVICE)
    if offered is None:
        raise not_offered(provider, service)


def client_and_terms(
    uow: UnitOfWork, client_id: str, provider_id: str, service_id: str
) -> tuple[Client, Terms]:
    """Read the client, the offering and the policy a hold needs, in one statement."""
    row = uow.session.execute(
        select(Client, Provider, Service, col(ProviderService.service_id), Practice)
        .select_from(Client)
        .join(Provider, col(Provider.id) == provider_id)
        .join(Service, col(Service.id) == service_id)
        .outerjoin(ProviderService, _offered())
        .outerjoin(Practice, col(Practice.id) == PRACTICE_ROW_ID)
        .where(col(Client.id) == client_id)
    ).first()
    if row is None:  # something is missing: say what, in the order the checks are made
        if uow.session.get(Client, client_id) is None:
            raise NotFound("No such client.")
        offering(uow, provider_id, service_id)
        raise AssertionError("unreachable: the offering exists after all")
    client, provider, service, offered, policy = row
    _checked(provider, service, offered)
    return client, Terms(provider, service, policy or Practice())


def locked_with_terms(
    uow: UnitOfWork, actor: Actor, booking_id: str
) -> tuple[Booking, Terms | None]:
    """Lock the booking and read its offering and the policy with it, in one statement.

    The terms are None when the offering is gone (an archived provider, say): the caller
    decides whether that matters, and `offering` says why.
    """
    row = uow.session.execute(
        select(Booking, Provider, Service, col(ProviderService.service_id), Practice)
        .select_from(Booking)
        .join(Provider, col(Provider.id) == col(Booking.provider_id))
        .join(Service, col(Service.id) == col(Booking.service_id))
        .outerjoin(ProviderService, _offered())
        .outerjoin(Practice, col(Practice.id) == PRACTICE_ROW_ID)
        .where(col(Booking.id) == booking_id)
        .with_for_update(of=Booking)
        .execution_options(populate_existing=True)
    ).first()
    if row is None:
        return locked(uow, actor, booking_id), None
    booking, provider, service, offered, policy = row
    if not may_see(actor, booking):
        raise NotFound(MISSING)
    offered_now = not (provider.archived or service.archived or offered is None)
    return booking, Terms(provider, service, policy or Practice()) if offered_now else None


def enforce_notice(uow: UnitOfWork, booking: Booking, *, verb: str) -> None:
    hours = practice(uow.session).cancellation_notice_hours
    deadline = booking.starts_at - timedelta(hours=hours)
    if uow.now() > deadline:
        provider = uow.session.get_one(Provider, booking.provider_id)
        until = format_when(
            deadline,
            zone(provider.timezone),
            now=uow.now(),
            home=zone(practice(uow.session).timezone),
        )
        raise PolicyViolation(
            f"Appointments can be {verb} only up to {hours} hours before they start; this one "
            f"could have been {verb} until {until}.",
            allowed_until=deadline,
        )


def transition(
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


def changeable(uow: UnitOfWork, actor: Actor, booking_id: str, *, verb: str) -> Booking:
    return ensure_changeable(uow, actor, locked(uow, actor, booking_id), verb=verb)


def ensure_changeable(uow: UnitOfWork, actor: Actor, booking: Booking, *, verb: str) -> Booking:
    """Return a confirmed booking the actor may cancel or move now, or refuse saying why."""
    if booking.status != BookingStatus.CONFIRMED:
        raise InvalidTransition(
            f"This booking is {booking.status.replace('_', ' ')} and cannot be {verb}."
        )
    if actor.is_client:
        enforce_notice(uow, booking, verb=verb)
    return booking
