"""What a booking is made on: the provider, the service they offer and the practice's policy,
and a confirmation's read of them with its locked booking (a hold's read is `_hold_read`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import and_, bindparam, select
from sqlmodel import col

from domain.booking._transitions import MISSING, locked, may_see
from domain.kernel.actors import Actor
from domain.kernel.errors import InvalidInput, NotFound
from domain.kernel.uow import UnitOfWork
from domain.models import (
    PRACTICE_ROW_ID,
    Booking,
    Practice,
    Provider,
    ProviderService,
    Service,
)
from domain.scheduling.calendars import BookingPolicy
from domain.scheduling.slot_rules import SlotProvider, SlotService

NO_SUCH_CLIENT = "No such client."
NO_SUCH_PROVIDER = "No such provider."
NO_SUCH_SERVICE = "No such service."


class OfferedService(SlotService, Protocol):
    """What a booking takes from its service besides the slot rules' needs."""

    @property
    def id(self) -> str: ...
    @property
    def price(self) -> str: ...
    @property
    def currency(self) -> str: ...
    @property
    def intake_fields(self) -> Sequence[str]: ...


class HoldPolicy(BookingPolicy, Protocol):
    @property
    def hold_minutes(self) -> int: ...


@dataclass(frozen=True)
class Terms:
    """What a booking is made on: the provider, the service they offer, the practice's policy."""

    provider: SlotProvider
    service: OfferedService
    policy: HoldPolicy


def not_offered(provider: SlotProvider, service: SlotService) -> InvalidInput:
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


def offered() -> Any:
    """The join condition of a provider offering a service."""
    return and_(
        col(ProviderService.provider_id) == col(Provider.id),
        col(ProviderService.service_id) == col(Service.id),
    )


# Built once: the statements are the same for every booking, only their parameters change.
_LOCKED_WITH_TERMS = (
    select(Booking, Provider, Service, col(ProviderService.service_id), Practice)
    .select_from(Booking)
    .join(Provider, col(Provider.id) == col(Booking.provider_id))
    .join(Service, col(Service.id) == col(Booking.service_id))
    .outerjoin(ProviderService, offered())
    .outerjoin(Practice, col(Practice.id) == PRACTICE_ROW_ID)
    .where(col(Booking.id) == bindparam("booking_id"))
    .with_for_update(of=Booking)
    .execution_options(populate_existing=True)
)


def locked_with_terms(
    uow: UnitOfWork, actor: Actor, booking_id: str
) -> tuple[Booking, Terms | None]:
    """Lock the booking and read its offering and the policy with it, in one statement.

    The terms are None when the offering is gone (an archived provider, say): the caller
    decides whether that matters, and `offering` says why.
    """
    row = uow.session.execute(_LOCKED_WITH_TERMS, {"booking_id": booking_id}).first()
    if row is None:
        return locked(uow, actor, booking_id), None
    booking, provider, service, offered, policy = row
    if not may_see(actor, booking):
        raise NotFound(MISSING)
    offered_now = not (provider.archived or service.archived or offered is None)
    return booking, Terms(provider, service, policy or Practice()) if offered_now else None
