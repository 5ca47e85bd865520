"""Figures for the practice over a range of days: bookings, outcomes, utilisation, handoffs.

The arithmetic is pure (facts in, figures out); `practice_figures` only loads the facts. Days
are the practice's calendar days, both ends included. Open time comes from the same weekly
hours, date overrides and time off that slot search offers starts from.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, or_
from sqlmodel import col, select

from domain.kernel.day_ranges import check_day_range
from domain.kernel.timefmt import day_bounds_utc, zone
from domain.kernel.uow import UnitOfWork
from domain.models import (
    AuditEvent,
    Booking,
    BookingStatus,
    Conversation,
    ConversationStatus,
    Provider,
    Service,
    StaffUser,
)
from domain.scheduling.availability import ProviderCalendar
from domain.scheduling.calendars import load_calendars, practice
from domain.scheduling.free_time import Interval
from domain.staff.access import require_admin

MAX_DAYS = 366
# Bookings that were made: holds that lapsed or were let go never were.
COUNTED = (
    BookingStatus.CONFIRMED,
    BookingStatus.COMPLETED,
    BookingStatus.NO_SHOW,
    BookingStatus.CANCELLED,
)
# Bookings that kept the provider's time: a no-show's time was set aside all the same.
OCCUPIED = (BookingStatus.CONFIRMED, BookingStatus.COMPLETED, BookingStatus.NO_SHOW)
# What shows that a conversation reached a person: asking for one, or one taking it.
HANDOFF_ACTIONS = (
    "conversation.handoff_requested",
    "conversation.taken_over",
    "conversation.transferred",
)
WITH_A_PERSON = (ConversationStatus.WAITING_FOR_HUMAN, ConversationStatus.HUMAN)


@dataclass(frozen=True)
class BookingFact:
    day: date  # the practice's calendar day of the start
    provider_id: str
    service_id: str
    status: str
    minutes: int


@dataclass(frozen=True)
class Counts:
    confirmed: int = 0
    completed: int = 0
    no_show: int = 0
    cancelled: int = 0

    @property
    def bookings(self) -> int:
        return self.confirmed + self.completed + self.no_show + self.cancelled

    @property
    def no_show_rate(self) -> float | None:
        """No-shows among the bookings whose outcome is known (completed or no-show)."""
        return ratio(self.no_show, self.completed + self.no_show)

    @property
    def cancellation_rate(self) -> float | None:
        return ratio(self.cancelled, self.bookings)


@dataclass(frozen=True)
class ProviderFigures:
    provider_id: str
    name: str
    counts: Counts
    booked_minutes: int
    open_minutes: int

    @property
    def utilisation(self) -> float | None:
        return ratio(self.booked_minutes, self.open_minutes)


@dataclass(frozen=True)
class Report:
    first_day: date
    last_day: date
    timezone: str
    totals: Counts
    per_day: list[tuple[date, Counts]]
    per_provider: list[ProviderFigures]
    per_service: list[tuple[str, str, Counts]]
    conversations: int
    handed_to_humans: int

    @property
    def handoff_share(self) -> float | None:
        return ratio(self.handed_to_humans, self.conversations)


def ratio(part: int, whole: int) -> float | None:
    """Return part / whole to four places, or None when there is nothing to divide by."""
    return round(part / whole, 4) if whole else None


def tally(facts: Iterable[BookingFact]) -> Counts:
    by_status: dict[str, int] = defaultdict(int)
    for fact in facts:
        by_status[fact.status] += 1
    return Counts(
        confirmed=by_status[BookingStatus.CONFIRMED],
        completed=by_status[BookingStatus.COMPLETED],
        no_show=by_status[BookingStatus.NO_SHOW],
        cancelled=by_status[BookingStatus.CANCELLED],
    )


def booked_minutes(facts: Iterable[BookingFact]) -> int:
    return sum(fact.minutes for fact in facts if fact.status in OCCUPIED)


def open_minutes(calendar: ProviderCalendar, start: datetime, end: datetime) -> int:
    """Return the minutes in [start, end) that the provider's hours open, less time off."""
    tz = calendar.timezone
    opened: list[Interval] = []
    day = start.astimezone(tz).date()
    while day <= end.astimezone(tz).date():
        for opening in calendar.ranges_on(day):
            # Elapsed time, as the slot grid judges it: a DST day's hours are an hour off.
            opens = datetime.combine(day, opening.opens, tzinfo=tz).astimezone(UTC)
            closes = datetime.combine(day, opening.closes, tzinfo=tz).astimezone(UTC)
            opened.append((max(opens, start), min(closes, end)))
        day += timedelta(days=1)
    away = _merged(calendar.time_off)
    total = timedelta()
    for begin, finish in _merged(opened):
        total += finish - begin
        for off_begin, off_finish in away:
            total -= max(timedelta(), min(finish, off_finish) - max(begin, off_begin))
    return int(total.total_seconds() // 60)


def report(
    *,
    first_day: date,
    last_day: date,
    timezone: str,
    facts: Sequence[BookingFact],
    providers: Sequence[tuple[str, str, int]],
    services: dict[str, str],
    conversations: int,
    handed_to_humans: int,
) -> Report:
    """Assemble the figures from bookings and each provider's (id, name, open minutes)."""
    by_day: dict[date, list[BookingFact]] = defaultdict(list)
    by_provider: dict[str, list[BookingFact]] = defaultdict(list)
    by_service: dict[str, list[BookingFact]] = defaultdict(list)
    for fact in facts:
        by_day[fact.day].append(fact)
        by_provider[fact.provider_id].append(fact)
        by_service[fact.service_id].append(fact)
    days = [first_day + timedelta(days=n) for n in range((last_day - first_day).days + 1)]
    return Report(
        first_day=first_day,
        last_day=last_day,
        timezone=timezone,
        totals=tally(facts),
        per_day=[(day, tally(by_day[day])) for day in days],
        per_provider=[
            ProviderFigures(
                provider_id=provider_id,
                name=name,
                counts=tally(by_provider[provider_id]),
                booked_minutes=booked_minutes(by_provider[provider_id]),
                open_minutes=minutes,
            )
            for provider_id, name, minutes in providers
        ],
        per_service=[
            (service_id, services.get(service_id, service_id), tally(by_service[service_id]))
            for service_id in sorted(by_service)
        ],
        conversations=conversations,
        handed_to_humans=handed_to_humans,
    )


def practice_figures(
    *, uow: UnitOfWork, staff: StaffUser, first_day: date, last_day: date
) -> Report:
    """Return the practice's figures for its calendar days `first_day` to `last_day`."""
    require_admin(staff)
    check_day_range(first_day, last_day, max_days=MAX_DAYS)
    with uow.reading() as reader:
        session = reader.session
        timezone = practice(session).timezone
        tz = zone(timezone)
        start, end = day_bounds_utc(first_day, tz)[0], day_bounds_utc(last_day, tz)[1]
        bookings = list(
            session.exec(
                select(Booking).where(
                    col(Booking.starts_at) >= start,
                    col(Booking.starts_at) < end,
                    col(Booking.status).in_(COUNTED),
                )
            )
        )
        booked_with = {b.provider_id for b in bookings}
        providers = [
            p
            for p in session.exec(select(Provider).order_by(col(Provider.name)))
            if not p.archived or p.id in booked_with
        ]
        calendars = load_calendars(session, providers, start=start, end=end, now=reader.now())
        services = {s.id: s.name for s in session.exec(select(Service))}
        started, handed = _conversations(reader, start, end)
    facts = [
        BookingFact(
            day=b.starts_at.astimezone(tz).date(),
            provider_id=b.provider_id,
            service_id=b.service_id,
            status=b.status,
            minutes=int((b.ends_at - b.starts_at).total_seconds() // 60),
        )
        for b in bookings
    ]
    return report(
        first_day=first_day,
        last_day=last_day,
        timezone=timezone,
        facts=facts,
        providers=[(p.id, p.name, open_minutes(calendars[p.id], start, end)) for p in providers],
        services=services,
        conversations=started,
        handed_to_humans=handed,
    )


def _conversations(uow: UnitOfWork, start: datetime, end: datetime) -> tuple[int, int]:
    """Count conversations started in [start, end), and those of them that reached a person."""
    started = (col(Conversation.created_at) >= start, col(Conversation.created_at) < end)
    reached = select(AuditEvent.subject_id).where(
        col(AuditEvent.subject_type) == "conversation", col(AuditEvent.action).in_(HANDOFF_ACTIONS)
    )
    counted = select(func.count()).select_from(Conversation).where(*started)
    total: int = uow.session.exec(counted).one()
    handed: int = uow.session.exec(
        counted.where(
            or_(col(Conversation.status).in_(WITH_A_PERSON), col(Conversation.id).in_(reached))
        )
    ).one()
    return total, handed


def _merged(intervals: Iterable[Interval]) -> list[Interval]:
    merged: list[Interval] = []
    for begin, finish in sorted(i for i in intervals if i[0] < i[1]):
        if merged and begin <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], finish))
        else:
            merged.append((begin, finish))
    return merged
