"""Free starts for one provider, and a search across many with a constant number of queries.

`soonest` finds the first few starts across many providers with what this module matches.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from itertools import islice
from typing import Any

from sqlalchemy import null
from sqlmodel import col, select

from domain.kernel.errors import InvalidInput, NotFound
from domain.kernel.instants import require_instant
from domain.kernel.uow import UnitOfWork
from domain.models import Provider, ProviderService, Service
from domain.scheduling.availability import AvailabilityChecker
from domain.scheduling.calendars import booking_window, load_calendars, practice
from domain.scheduling.shared_hours import SharedOpenStarts


@dataclass(frozen=True)
class SlotQuery:
    """Which providers and which starts: every filter is optional but the time range."""

    start: datetime
    end: datetime
    service_id: str | None = None
    category_id: str | None = None
    provider_id: str | None = None
    specialty: str | None = None
    provider_name: str | None = None
    location: str | None = None
    # Local time of day bounds (e.g. 12:00-17:00 for "afternoon"), in each provider's zone.
    day_from: time | None = None
    day_until: time | None = None
    limit_per_provider: int | None = None


@dataclass(frozen=True)
class ProviderSlots:
    provider: Provider
    service: Service
    starts: list[datetime]


def free_starts(
    *, uow: UnitOfWork, provider_id: str, service_id: str, start: datetime, end: datetime
) -> list[datetime]:
    """Return the free starts of one provider for one service in [start, end)."""
    found = search_slots(
        uow=uow,
        query=SlotQuery(start=start, end=end, provider_id=provider_id, service_id=service_id),
    )
    if not found:
        raise NotFound("That provider does not offer that service.")
    return found[0].starts


def search_slots(*, uow: UnitOfWork, query: SlotQuery) -> list[ProviderSlots]:
    """Return each matching (provider, service) pair with its free starts, soonest first."""
    require_range(query)
    with uow.reading() as reader:
        pairs = _matching_pairs(reader, query)
        now = reader.now()
        window = booking_window(practice(reader.session), now)
        calendars = load_calendars(
            reader.session,
            list({provider.id: provider for provider, _ in pairs}.values()),
            start=query.start,
            end=query.end,
            now=now,
            reach=longest_reach(p.buffer_min + s.duration_min for p, s in pairs),
        )
    open_starts = SharedOpenStarts(
        window=window,
        start=query.start,
        end=query.end,
        day_from=query.day_from,
        day_until=query.day_until,
    )
    results = []
    for provider, service in pairs:
        calendar = calendars[provider.id]
        duration = timedelta(minutes=service.duration_min)
        checker = AvailabilityChecker(calendar, duration, window)
        found = checker.free_starts_among(open_starts.of(calendar, duration))
        starts = list(islice(found, query.limit_per_provider))
        results.append(ProviderSlots(provider=provider, service=service, starts=starts))
    results.sort(
        key=lambda r: (not r.starts, r.starts[0] if r.starts else query.end, r.provider.name)
    )
    return results


def require_range(query: SlotQuery) -> None:
    require_instant(query.start, "The start of a search")
    require_instant(query.end, "The end of a search")
    if query.end <= query.start:
        raise InvalidInput("The end of the search range must come after its start.")


def longest_reach(minutes: Iterable[int]) -> timedelta:
    """Return the longest of these times an appointment keeps its provider (buffer included)."""
    return timedelta(minutes=max(minutes, default=0))


def _matching_pairs(uow: UnitOfWork, query: SlotQuery) -> list[tuple[Provider, Service]]:
    """Return the matching providers with the services they offer, each service read once.

    A select of both would read a service's row, and PostgreSQL's driver parse its three JSON
    columns, once for each provider who offers it: for 1,000 providers of three services, 16 ms
    of the client's CPU against 9 ms for the providers with the services' ids, and one select
    more for the services.
    """
    session = uow.session
    rows = session.exec(_matching(select(Provider, col(Service.id)), query)).all()
    service_ids = {service_id for _, service_id in rows}
    services = {}
    if service_ids:
        found = session.exec(select(Service).where(col(Service.id).in_(service_ids)))
        services = {service.id: service for service in found}
    pairs = [(provider, services[service_id]) for provider, service_id in rows]
    return [(p, s) for p, s in pairs if _matches_text(p, query)]


def matching_offers(uow: UnitOfWork, query: SlotQuery) -> list[Offer]:
    """Return the matching pairs with only what a search needs, without loading either whole.

    Specialties are read only when the query filters by one: PostgreSQL's driver parses a JSON
    column on every row, a thousand times for a thousand providers.
    """
    columns = [
        col(getattr(Provider, name)) if name != "specialties" or query.specialty else null()
        for name in _PROVIDER_FIELDS
    ]
    columns += [col(Service.id), col(Service.duration_min)]
    rows = uow.session.connection().execute(_matching(select(*columns), query)).all()
    offers = [Offer(*row) for row in rows]
    return [offer for offer in offers if _matches_text(offer, query)]


_PROVIDER_FIELDS: tuple[str, ...] = ("id", "name", "kind", "specialties", "location", "timezone")
_PROVIDER_FIELDS += ("buffer_min", "slot_step_min")


@dataclass(frozen=True, slots=True)
class Offer:
    """A provider and a service they offer, as a search reads them."""

    id: str
    name: str
    kind: str
    specialties: list[str] | None  # None when the query does not filter by specialty
    location: str
    timezone: str
    buffer_min: int
    slot_step_min: int
    service_id: str
    duration_min: int


def _matching(statement: Any, query: SlotQuery) -> Any:
    """Add the query's filters to a select of providers, services or their columns."""
    statement = (
        _offered(statement)
        .where(col(Provider.archived).is_(False), col(Service.archived).is_(False))
        .order_by(col(Provider.id), col(Service.id))
    )
    if query.service_id:
        statement = statement.where(col(Service.id) == query.service_id)
    if query.category_id:
        statement = statement.where(col(Service.category_id) == query.category_id)
    if query.provider_id:
        statement = statement.where(col(Provider.id) == query.provider_id)
    return statement


def _offered(statement: Any) -> Any:
    """Join a select of providers and services through what each provider offers."""
    return statement.join(
        ProviderService, col(ProviderService.provider_id) == col(Provider.id)
    ).join(Service, col(Service.id) == col(ProviderService.service_id))


def pairs_by_id(
    uow: UnitOfWork, offers: Iterable[Offer]
) -> tuple[dict[str, Provider], dict[str, Service]]:
    """Load the whole provider and service rows of the offers, in one statement."""
    offers = list(offers)
    if not offers:
        return {}, {}
    statement = _offered(select(Provider, Service)).where(
        col(Provider.id).in_({offer.id for offer in offers}),
        col(Service.id).in_({offer.service_id for offer in offers}),
    )
    providers: dict[str, Provider] = {}
    services: dict[str, Service] = {}
    for provider, service in uow.session.exec(statement):
        providers[provider.id] = provider
        services[service.id] = service
    return providers, services


def _matches_text(provider: Provider | Offer, query: SlotQuery) -> bool:
    def has(needle: str | None, *haystacks: str) -> bool:
        return needle is None or any(needle.casefold() in h.casefold() for h in haystacks)

    return (
        has(query.specialty, *(provider.specialties or ()), provider.kind)
        and has(query.provider_name, provider.name)
        and has(query.location, provider.location)
    )
