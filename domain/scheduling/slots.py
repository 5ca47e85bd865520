"""Free starts for one provider, and a search across many with a constant number of queries."""

from __future__ import annotations

import heapq
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from itertools import islice, repeat
from typing import Any, TypeVar

from sqlmodel import col, select

from domain.kernel.errors import InvalidInput, NotFound
from domain.kernel.instants import require_instant
from domain.kernel.uow import UnitOfWork
from domain.models import Provider, ProviderService, Service
from domain.scheduling.availability import AvailabilityChecker, BookingWindow, ProviderCalendar
from domain.scheduling.calendars import booking_window, load_calendars, practice

RowT = TypeVar("RowT", Provider, Service)

# The first stretch `soonest_starts` reads, a morning or an afternoon; each next one is twice as
# long, so a fortnight takes at most five.
FIRST_STRETCH = timedelta(hours=12)


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


@dataclass(frozen=True)
class OpenStart:
    """One free start with whom and for what."""

    provider: Provider
    service: Service
    start: datetime


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
    _require_range(query)
    with uow.reading() as reader:
        pairs = _matching_pairs(reader, query)
        now = reader.now()
        window = booking_window(practice(reader.session), now)
        offers = [_offer(provider, service) for provider, service in pairs]
        calendars = _calendars(reader, offers, query.start, query.end, now)
    results = []
    for provider, service in pairs:
        found = _free_starts(
            calendars[provider.id], service.duration_min, window, query, query.start, query.end
        )
        starts = list(islice(found, query.limit_per_provider))
        results.append(ProviderSlots(provider=provider, service=service, starts=starts))
    results.sort(
        key=lambda r: (not r.starts, r.starts[0] if r.starts else query.end, r.provider.name)
    )
    return results


def soonest_starts(*, uow: UnitOfWork, query: SlotQuery, limit: int) -> list[OpenStart]:
    """Return the first `limit` free starts across every matching pair, soonest first.

    Equal starts keep the order of provider names. Calendars are read a stretch at a time — half
    a day, then a day, then two — and reading stops once `limit` starts are found, so the first
    few of a large practice cost about as much as half a day's.
    """
    _require_range(query)
    if limit < 1:
        raise InvalidInput("Ask for at least one start.")
    with uow.reading() as reader:
        offers = sorted(_matching_offers(reader, query), key=lambda o: (o.name, o.id, o.service_id))
        now = reader.now()
        window = booking_window(practice(reader.session), now)
        taken = [0] * len(offers)
        found: list[tuple[datetime, int]] = []
        stretch_start, length = max(query.start, window.earliest), FIRST_STRETCH
        while offers and stretch_start < query.end and len(found) < limit:
            stretch_end = min(query.end, stretch_start + length)
            calendars = _calendars(reader, offers, stretch_start, stretch_end, now)
            # Each pair's starts are computed only as the merge asks for them: the first of
            # each, then the next of whichever gave the soonest, until enough are found.
            wanted = limit - len(found)
            streams = [
                zip(
                    islice(
                        _free_starts(
                            calendars[offer.id],
                            offer.duration_min,
                            window,
                            query,
                            stretch_start,
                            stretch_end,
                        ),
                        _at_most(wanted, query, taken[index]),
                    ),
                    repeat(index),
                )
                for index, offer in enumerate(offers)
            ]
            for start, index in islice(heapq.merge(*streams), wanted):
                found.append((start, index))
                taken[index] += 1
            stretch_start, length = stretch_end, length * 2
        chosen = [offers[index] for _, index in found]
        providers = _by_id(reader, Provider, {offer.id for offer in chosen})
        services = _by_id(reader, Service, {offer.service_id for offer in chosen})
    return [
        OpenStart(provider=providers[offer.id], service=services[offer.service_id], start=start)
        for (start, _), offer in zip(found, chosen, strict=True)
    ]


def _require_range(query: SlotQuery) -> None:
    require_instant(query.start, "The start of a search")
    require_instant(query.end, "The end of a search")
    if query.end <= query.start:
        raise InvalidInput("The end of the search range must come after its start.")


def _calendars(
    reader: UnitOfWork,
    offers: Sequence[Offer],
    start: datetime,
    end: datetime,
    now: datetime,
) -> dict[str, ProviderCalendar]:
    providers = {offer.id: offer for offer in offers}
    longest = max((offer.duration_min + offer.buffer_min for offer in offers), default=0)
    return load_calendars(
        reader.session,
        list(providers.values()),
        start=start,
        end=end,
        now=now,
        reach=timedelta(minutes=longest),
    )


def _free_starts(
    calendar: ProviderCalendar,
    duration_min: int,
    window: BookingWindow,
    query: SlotQuery,
    start: datetime,
    end: datetime,
) -> Iterator[datetime]:
    checker = AvailabilityChecker(calendar, timedelta(minutes=duration_min), window)
    return checker.iter_free_starts(start, end, day_from=query.day_from, day_until=query.day_until)


def _at_most(wanted: int, query: SlotQuery, taken: int) -> int:
    """Return how many more starts a pair may give: what is wanted, within its own limit."""
    if query.limit_per_provider is None:
        return wanted
    return max(0, min(wanted, query.limit_per_provider - taken))


def _matching_pairs(uow: UnitOfWork, query: SlotQuery) -> list[tuple[Provider, Service]]:
    statement = _matching(select(Provider, Service), query)
    pairs = [(provider, service) for provider, service in uow.session.exec(statement)]
    return [(p, s) for p, s in pairs if _matches_text(_offer(p, s), query)]


def _matching_offers(uow: UnitOfWork, query: SlotQuery) -> list[Offer]:
    """Return the matching pairs with only what a search needs, without loading either whole."""
    columns = [col(getattr(Provider, name)) for name in _PROVIDER_FIELDS]
    columns += [col(Service.id), col(Service.duration_min)]
    rows = uow.session.connection().execute(_matching(select(*columns), query))
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
    specialties: list[str]
    location: str
    timezone: str
    buffer_min: int
    slot_step_min: int
    service_id: str
    duration_min: int


def _offer(provider: Provider, service: Service) -> Offer:
    return Offer(
        id=provider.id,
        name=provider.name,
        kind=provider.kind,
        specialties=provider.specialties,
        location=provider.location,
        timezone=provider.timezone,
        buffer_min=provider.buffer_min,
        slot_step_min=provider.slot_step_min,
        service_id=service.id,
        duration_min=service.duration_min,
    )


def _matching(statement: Any, query: SlotQuery) -> Any:
    """Add the query's filters to a select of providers, services or their columns."""
    statement = (
        statement.join(ProviderService, col(ProviderService.provider_id) == col(Provider.id))
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
    return statement


def _by_id(uow: UnitOfWork, table: type[RowT], ids: set[str]) -> dict[str, RowT]:
    if not ids:
        return {}
    rows = uow.session.exec(select(table).where(col(table.id).in_(ids)))
    return {row.id: row for row in rows}


def _matches_text(offer: Offer, query: SlotQuery) -> bool:
    def has(needle: str | None, *haystacks: str) -> bool:
        return needle is None or any(needle.casefold() in h.casefold() for h in haystacks)

    return (
        has(query.specialty, *offer.specialties, offer.kind)
        and has(query.provider_name, offer.name)
        and has(query.location, offer.location)
    )
