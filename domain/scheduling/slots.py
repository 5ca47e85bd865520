"""Free starts for one provider, and a search across many with a constant number of queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlmodel import col, select

from domain.kernel.errors import InvalidInput, NotFound
from domain.kernel.instants import require_instant
from domain.kernel.timefmt import zone
from domain.kernel.uow import UnitOfWork
from domain.models import Provider, ProviderService, Service
from domain.scheduling.availability import AvailabilityChecker
from domain.scheduling.calendars import booking_window, load_calendars, practice


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
    require_instant(query.start, "The start of a search")
    require_instant(query.end, "The end of a search")
    if query.end <= query.start:
        raise InvalidInput("The end of the search range must come after its start.")
    with uow.reading() as reader:
        pairs = _matching_pairs(reader, query)
        now = reader.now()
        window = booking_window(practice(reader.session), now)
        providers = {provider.id: provider for provider, _ in pairs}
        calendars = load_calendars(
            reader.session, list(providers.values()), start=query.start, end=query.end, now=now
        )
    results = []
    for provider, service in pairs:
        checker = AvailabilityChecker(
            calendars[provider.id], timedelta(minutes=service.duration_min), window
        )
        starts = [
            s
            for s in checker.free_starts(query.start, query.end)
            if _within_day_part(s, provider, query)
        ]
        if query.limit_per_provider is not None:
            starts = starts[: query.limit_per_provider]
        results.append(ProviderSlots(provider=provider, service=service, starts=starts))
    results.sort(
        key=lambda r: (not r.starts, r.starts[0] if r.starts else query.end, r.provider.name)
    )
    return results


def _matching_pairs(uow: UnitOfWork, query: SlotQuery) -> list[tuple[Provider, Service]]:
    statement = (
        select(Provider, Service)
        .join(ProviderService, col(ProviderService.provider_id) == col(Provider.id))
        .join(Service, col(Service.id) == col(ProviderService.service_id))
        .where(col(Provider.archived).is_(False), col(Service.archived).is_(False))
        .order_by(col(Provider.id), col(Service.id))
    )
    if query.service_id:
        statement = statement.where(col(Service.id) == query.service_id)
    if query.category_id:
        statement = statement.where(col(Service.category_id) == query.category_id)
    if query.provider_id:
        statement = statement.where(col(Provider.id) == query.provider_id)
    pairs = [(provider, service) for provider, service in uow.session.exec(statement)]
    return [(p, s) for p, s in pairs if _matches_text(p, query)]


def _matches_text(provider: Provider, query: SlotQuery) -> bool:
    def has(needle: str | None, *haystacks: str) -> bool:
        return needle is None or any(needle.casefold() in h.casefold() for h in haystacks)

    return (
        has(query.specialty, *provider.specialties, provider.kind)
        and has(query.provider_name, provider.name)
        and has(query.location, provider.location)
    )


def _within_day_part(start: datetime, provider: Provider, query: SlotQuery) -> bool:
    if query.day_from is None and query.day_until is None:
        return True
    local = start.astimezone(zone(provider.timezone)).time()
    if query.day_from is not None and local < query.day_from:
        return False
    return query.day_until is None or local < query.day_until
