"""The first few free starts across many providers, reading only what finding them takes.

The range is read a stretch at a time — half a day, then a day, then two — until enough starts
are found. In a stretch, every provider's hours are read first: the first start they open is the
soonest that provider could give. Providers are then taken in that order (equal starts in the
order of their names) a batch at a time, and only a batch's time off and bookings are read. Once
enough starts are found and the next provider cannot open before the last of them, no later
provider can change the answer and the rest are never read: for the first 40 starts among a
thousand providers who open at the same hour, that is one batch of 80.
"""

from __future__ import annotations

from bisect import insort
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from domain.kernel.errors import InvalidInput
from domain.kernel.uow import UnitOfWork
from domain.models import Provider, Service
from domain.scheduling.availability import AvailabilityChecker, BookingWindow
from domain.scheduling.calendars import booking_window, load_hours, practice, with_busy_time
from domain.scheduling.shared_hours import SharedOpenStarts
from domain.scheduling.slots import (
    Offer,
    SlotQuery,
    longest_reach,
    matching_offers,
    pairs_by_id,
    require_range,
)

# The first stretch read, a morning or an afternoon; each next one is twice as long, so a
# fortnight takes at most five.
FIRST_STRETCH = timedelta(hours=12)
# The first batch is this many providers for each start still wanted (room for some to be booked
# at their first start); each next batch is twice the last, so few are needed however many are.
BATCH_PER_WANTED = 2

Found = tuple[datetime, int]  # a start and the index of the offer that gives it


@dataclass(frozen=True)
class OpenStart:
    """One free start with whom and for what."""

    provider: Provider
    service: Service
    start: datetime


@dataclass(frozen=True)
class _Candidate:
    opens: datetime  # the first start the hours open in the stretch: no sooner one can be free
    index: int
    open_starts: Sequence[datetime]


def soonest_starts(*, uow: UnitOfWork, query: SlotQuery, limit: int) -> list[OpenStart]:
    """Return the first `limit` free starts across every matching pair, soonest first.

    Equal starts keep the order of provider names.
    """
    require_range(query)
    if limit < 1:
        raise InvalidInput("Ask for at least one start.")
    with uow.reading() as reader:
        offers = sorted(matching_offers(reader, query), key=lambda o: (o.name, o.id, o.service_id))
        now = reader.now()
        window = booking_window(practice(reader.session), now)
        taken = [0] * len(offers)
        found: list[Found] = []
        stretch_start, length = max(query.start, window.earliest), FIRST_STRETCH
        while offers and stretch_start < query.end and len(found) < limit:
            stretch_end = min(query.end, stretch_start + length)
            stretch = _Stretch(reader, offers, query, window, now, stretch_start, stretch_end)
            for start, index in stretch.soonest(limit - len(found), taken):
                found.append((start, index))
                taken[index] += 1
            stretch_start, length = stretch_end, length * 2
        chosen = [offers[index] for _, index in found]
        providers, services = pairs_by_id(reader, chosen)
    return [
        OpenStart(provider=providers[offer.id], service=services[offer.service_id], start=start)
        for (start, _), offer in zip(found, chosen, strict=True)
    ]


class _Stretch:
    """One stretch [start, end) of a search: every provider's hours, bookings as asked."""

    def __init__(
        self,
        reader: UnitOfWork,
        offers: Sequence[Offer],
        query: SlotQuery,
        window: BookingWindow,
        now: datetime,
        start: datetime,
        end: datetime,
    ) -> None:
        self.reader = reader
        self.offers = offers
        self.query = query
        self.window = window
        self.now = now
        self.start = start
        self.end = end
        providers = {offer.id: offer for offer in offers}.values()
        self.hours = load_hours(reader.session, providers, start=start, end=end)

    def soonest(self, wanted: int, taken: Sequence[int]) -> list[Found]:
        """Return the first `wanted` free starts of the stretch, soonest first, with their offers.

        `taken` counts the starts each offer gave in earlier stretches, for the query's limit per
        provider.
        """
        candidates = self._candidates(wanted, taken)
        found: list[Found] = []
        position, batch = 0, BATCH_PER_WANTED * wanted
        while position < len(candidates):
            first = candidates[position]
            if len(found) == wanted and (first.opens, first.index) > found[-1]:
                break
            chunk = candidates[position : position + batch]
            position += len(chunk)
            batch *= 2
            self._add_free_starts(chunk, found, wanted, taken)
        return found

    def _candidates(self, wanted: int, taken: Sequence[int]) -> list[_Candidate]:
        """Return the offers that may give a start in the stretch, by their first open start."""
        query = self.query
        open_starts = SharedOpenStarts(
            window=self.window,
            start=self.start,
            end=self.end,
            day_from=query.day_from,
            day_until=query.day_until,
        )
        candidates = []
        for index, offer in enumerate(self.offers):
            if _at_most(wanted, query, taken[index]) == 0:
                continue
            starts = open_starts.of(self.hours[offer.id], timedelta(minutes=offer.duration_min))
            if starts:
                candidates.append(_Candidate(starts[0], index, starts))
        candidates.sort(key=lambda candidate: (candidate.opens, candidate.index))
        return candidates

    def _add_free_starts(
        self, chunk: Sequence[_Candidate], found: list[Found], wanted: int, taken: Sequence[int]
    ) -> None:
        """Read the chunk's time off and bookings and keep the soonest `wanted` starts in found."""
        offers = [self.offers[candidate.index] for candidate in chunk]
        calendars = with_busy_time(
            self.reader.session,
            {offer.id: self.hours[offer.id] for offer in offers},
            start=self.start,
            end=self.end,
            now=self.now,
            reach=longest_reach(o.duration_min + o.buffer_min for o in offers),
        )
        for candidate, offer in zip(chunk, offers, strict=True):
            duration = timedelta(minutes=offer.duration_min)
            checker = AvailabilityChecker(calendars[offer.id], duration, self.window)
            allowed = _at_most(wanted, self.query, taken[candidate.index])
            for count, start in enumerate(checker.free_starts_among(candidate.open_starts)):
                entry = (start, candidate.index)
                if count == allowed or (len(found) == wanted and entry > found[-1]):
                    break
                insort(found, entry)
                del found[wanted:]


def _at_most(wanted: int, query: SlotQuery, taken: int) -> int:
    """Return how many more starts a pair may give: what is wanted, within its own limit."""
    if query.limit_per_provider is None:
        return wanted
    return max(0, min(wanted, query.limit_per_provider - taken))
