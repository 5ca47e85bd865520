"""What a booking is made on: the provider, the service they offer and the practice's policy,
read in one statement with what the use case needs besides (a hold's client and key, a
confirmation's locked booking)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, Protocol

from sqlalchemy import and_, bindparam, select
from sqlmodel import col

from domain.booking._transitions import MISSING, locked, may_see
from domain.kernel.actors import Actor
from domain.kernel.errors import InvalidInput, NotFound
from domain.kernel.journal import recall, recorded_answer
from domain.kernel.uow import UnitOfWork
from domain.models import (
    PRACTICE_ROW_ID,
    Booking,
    Client,
    IdempotencyKey,
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


# Plain values for the hold's read: building ORM objects costs more than the rest of a refusal.
@dataclass(frozen=True, slots=True)
class ProviderTerms:
    id: str
    name: str
    timezone: str
    buffer_min: int
    slot_step_min: int


@dataclass(frozen=True, slots=True)
class ServiceTerms:
    id: str
    name: str
    duration_min: int
    price: str
    currency: str
    intake_fields: Sequence[str]


@dataclass(frozen=True, slots=True)
class PolicyTerms:
    timezone: str
    min_notice_minutes: int
    max_advance_days: int
    hold_minutes: int


@dataclass(frozen=True, slots=True)
class HoldRead:
    """What a new hold is made from: the client's profile and the terms."""

    profile: dict[str, Any]
    terms: Terms


@dataclass(frozen=True, slots=True)
class MadeBefore:
    """The booking a hold's key already made: the command is a retry."""

    booking_id: str


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


def _offered() -> Any:
    return and_(
        col(ProviderService.provider_id) == col(Provider.id),
        col(ProviderService.service_id) == col(Service.id),
    )


# Built once: the statements are the same for every booking, only their parameters change.
_HOLD_READ = (
    select(
        col(Client.profile),
        col(Provider.name),
        col(Provider.timezone),
        col(Provider.buffer_min),
        col(Provider.slot_step_min),
        col(Provider.archived),
        col(Service.name),
        col(Service.duration_min),
        col(Service.price),
        col(Service.currency),
        col(Service.intake_fields),
        col(Service.archived),
        col(ProviderService.service_id),
        col(Practice.timezone),
        col(Practice.min_notice_minutes),
        col(Practice.max_advance_days),
        col(Practice.hold_minutes),
        col(IdempotencyKey.command),
        col(IdempotencyKey.fingerprint),
        col(IdempotencyKey.resource_id),
    )
    .select_from(Client)
    .join(Provider, col(Provider.id) == bindparam("provider_id"))
    .join(Service, col(Service.id) == bindparam("service_id"))
    .outerjoin(ProviderService, _offered())
    .outerjoin(Practice, col(Practice.id) == PRACTICE_ROW_ID)
    .outerjoin(IdempotencyKey, col(IdempotencyKey.key) == bindparam("key"))
    .where(col(Client.id) == bindparam("client_id"))
)
_LOCKED_WITH_TERMS = (
    select(Booking, Provider, Service, col(ProviderService.service_id), Practice)
    .select_from(Booking)
    .join(Provider, col(Provider.id) == col(Booking.provider_id))
    .join(Service, col(Service.id) == col(Booking.service_id))
    .outerjoin(ProviderService, _offered())
    .outerjoin(Practice, col(Practice.id) == PRACTICE_ROW_ID)
    .where(col(Booking.id) == bindparam("booking_id"))
    .with_for_update(of=Booking)
    .execution_options(populate_existing=True)
)


def read_for_hold(
    uow: UnitOfWork,
    *,
    client_id: str,
    provider_id: str,
    service_id: str,
    key: str | None,
    command: str,
    print_: str,
) -> HoldRead | MadeBefore:
    """Read the client, the offering, the policy and the key's record in one statement.

    A key on record answers first, as a retry must whatever changed since; then a missing or
    archived client, provider, service or offering is refused, in that order.
    """
    row = (
        uow.session.connection()
        .execute(
            _HOLD_READ,
            {
                "client_id": client_id,
                "provider_id": provider_id,
                "service_id": service_id,
                "key": key,
            },
        )
        .first()
    )
    if row is None:  # something is missing: say what, in the order the checks are made
        made_before = recall(uow, key=key, command=command, print_=print_) if key else None
        if made_before is not None:
            return MadeBefore(made_before)
        if uow.session.get(Client, client_id) is None:
            raise NotFound(NO_SUCH_CLIENT)
        offering(uow, provider_id, service_id)
        raise AssertionError("unreachable: the offering exists after all")
    (profile, p_name, p_zone, buffer, step, p_archived) = row[:6]
    (s_name, duration, price, currency, intake_fields, s_archived, offered) = row[6:13]
    (zone_name, notice, advance, hold_minutes, k_command, k_print, k_resource) = row[13:]
    terms = Terms(
        ProviderTerms(provider_id, p_name, p_zone, buffer, step),
        ServiceTerms(service_id, s_name, duration, price, currency, intake_fields),
        _default_policy()
        if zone_name is None
        else PolicyTerms(zone_name, notice, advance, hold_minutes),
    )
    if k_command is not None:
        return MadeBefore(
            recorded_answer(k_command, k_print, k_resource, command=command, print_=print_)
        )
    if p_archived:
        raise NotFound(NO_SUCH_PROVIDER)
    if s_archived:
        raise NotFound(NO_SUCH_SERVICE)
    if offered is None:
        raise not_offered(terms.provider, terms.service)
    return HoldRead(profile, terms)


@cache
def _default_policy() -> PolicyTerms:
    """The policy a practice without its row books under: the model's defaults."""
    defaults = Practice()
    return PolicyTerms(
        defaults.timezone,
        defaults.min_notice_minutes,
        defaults.max_advance_days,
        defaults.hold_minutes,
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
