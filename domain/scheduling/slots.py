"""Free starts for one provider, and a search across many with a constant number of queries."""

from __future__ import annotations

import heapq
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from itertools import islice, repeat

from sqlmodel import col, select

from domain.kernel.errors import InvalidInput, NotFound
from domain.kernel.instants import require_instant
from domain.kernel.uow import UnitOfWork
from domain.models import Provider, ProviderService, Service
from domain.scheduling.availability import AvailabilityChecker, BookingWindow, ProviderCalendar
from domain.scheduling.calendars import booking_window, load_calendars, practice

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
        calendars = _calendars(reader, pairs, query.start, query.end, now)
    results = []
    for provider, service in pairs:
        found = _free_starts(calendars[provider.id], service, window, query, query.start, query.end)
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
        pairs = sorted(_matching_pairs(reader, query), key=lambda p: (p[0].name, p[0].id, p[1].id))
        now = reader.now()
        window = booking_window(practice(reader.session), now)
        taken = [0] * len(pairs)
        found: list[OpenStart] = []
        stretch_start, length = max(query.start, window.earliest), FIRST_STRETCH
        while pairs and stretch_start < query.end and len(found) < limit:
            stretch_end = min(query.end, stretch_start + length)
            calendars = _calendars(reader, pairs, stretch_start, stretch_end, now)
            # Each pair computes at once only what could still make the cut, then the short
            # lists are merged by time: no suspended computation per provider stays alive.
            wanted = limit - len(found)
            firsts = [
                list(
                    islice(
                        _free_starts(calendars[p.id], s, window, query, stretch_start, stretch_end),
                        _at_most(wanted, query, taken[index]),
                    )
                )
                for index, (p, s) in enumerate(pairs)
            ]
            merged = heapq.merge(*(zip(starts, repeat(i)) for i, starts in enumerate(firsts)))
            for start, index in islice(merged, wanted):
                provider, service = pairs[index]
                found.append(OpenStart(provider=provider, service=service, start=start))
                taken[index] += 1
            stretch_start, length = stretch_end, length * 2
    return found


def _require_range(query: SlotQuery) -> None:
    require_instant(query.start, "The start of a search")
    require_instant(query.end, "The end of a search")
    if query.end <= query.start:
        raise InvalidInput("The end of the search range must come after its start.")


def _calendars(
    reader: UnitOfWork,
    pairs: Sequence[tuple[Provider, Service]],
    start: datetime,
    end: datetime,
    now: datetime,
) -> dict[str, ProviderCalendar]:
    providers = {provider.id: provider for provider, _ in pairs}
    longest = max((s.duration_min + p.buffer_min for p, s in pairs), default=0)
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
    service: Service,
    window: BookingWindow,
    query: SlotQuery,
    start: datetime,
    end: datetime,
) -> Iterator[datetime]:
    checker = AvailabilityChecker(calendar, timedelta(minutes=service.duration_min), window)
    return checker.iter_free_starts(start, end, day_from=query.day_from, day_until=query.day_until)


def _at_most(wanted: int, query: SlotQuery, taken: int) -> int:
    """Return how many more starts a pair may give: what is wanted, within its own limit."""
    if query.limit_per_provider is None:
        return wanted
    return max(0, min(wanted, query.limit_per_provider - taken))


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
