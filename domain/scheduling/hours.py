"""A provider's weekly hours and date overrides, kept by the provider or an admin.

Opening times are wall times in the provider's zone, as availability reads them.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, time

from sqlalchemy import delete
from sqlmodel import col, select

from domain.kernel.errors import Conflict, InvalidInput, NotFound
from domain.kernel.instants import EARLIEST_YEAR, LATEST_YEAR
from domain.kernel.journal import audit
from domain.kernel.paging import page_of
from domain.kernel.uow import UnitOfWork
from domain.kernel.versioning import check_version, locked_row
from domain.models import DateOverride, Provider, StaffUser, WeeklyHours
from domain.staff.access import require_own_provider, staff_actor

WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True)
class WeekdayRange:
    """One opening range on a weekday (Monday is 0), in the provider's local time."""

    weekday: int
    opens: time
    closes: time


@dataclass(frozen=True)
class WeeklySchedule:
    provider_id: str
    version: int  # the provider's: the hours are part of the provider
    hours: list[WeekdayRange]


def require_opening(opens: time, closes: time, *, field: str) -> None:
    """Refuse an opening range that closes before it opens, or that carries a UTC offset."""
    if opens.tzinfo is not None or closes.tzinfo is not None:
        raise InvalidInput(
            "Opening times are wall times in the provider's time zone; leave out the offset.",
            field=field,
        )
    if opens >= closes:
        raise InvalidInput(f"{_span(opens, closes)} closes before it opens.", field=field)


def first_overlap(ranges: Sequence[tuple[time, time]]) -> tuple[int, int] | None:
    """Return the positions of two ranges that overlap (touching is fine), or None.

    The one check for overlapping opening hours: weekly hours, date overrides and world files
    all ask it, so a range one accepts the others accept too.
    """
    order = sorted(range(len(ranges)), key=lambda i: ranges[i])
    for earlier, later in itertools.pairwise(order):
        if ranges[later][0] < ranges[earlier][1]:
            return earlier, later
    return None


def weekly_hours(*, uow: UnitOfWork, provider_id: str) -> WeeklySchedule:
    with uow.reading() as reader:
        provider = reader.session.get(Provider, provider_id)
        if provider is None:
            raise NotFound(f"No provider '{provider_id}'.")
        rows = reader.session.exec(
            select(WeeklyHours)
            .where(col(WeeklyHours.provider_id) == provider_id)
            .order_by(col(WeeklyHours.weekday), col(WeeklyHours.opens))
        )
        hours = [WeekdayRange(row.weekday, row.opens, row.closes) for row in rows]
    return WeeklySchedule(provider_id, provider.version, hours)


def replace_weekly_hours(
    *,
    uow: UnitOfWork,
    staff: StaffUser,
    provider_id: str,
    expected_version: int,
    hours: list[WeekdayRange],
) -> WeeklySchedule:
    """Replace the provider's whole weekly set as of the provider version read."""
    require_own_provider(staff, provider_id)
    _check_week(hours)
    with uow:
        provider = locked_row(uow, Provider, provider_id, what="provider")
        check_version(provider, expected_version, what="provider")
        uow.session.execute(delete(WeeklyHours).where(col(WeeklyHours.provider_id) == provider_id))
        uow.session.add_all(
            WeeklyHours(provider_id=provider_id, weekday=h.weekday, opens=h.opens, closes=h.closes)
            for h in hours
        )
        audit(
            uow,
            actor=staff_actor(staff),
            action="provider.hours_replaced",
            subject_type="provider",
            subject_id=provider_id,
            details={"ranges": len(hours)},
        )
        uow.commit()
    ordered = sorted(hours, key=lambda h: (h.weekday, h.opens))
    return WeeklySchedule(provider_id, provider.version, ordered)


def _check_week(hours: list[WeekdayRange]) -> None:
    for index, hour in enumerate(hours):
        if not 0 <= hour.weekday <= 6:
            raise InvalidInput("A weekday is 0 (Monday) to 6 (Sunday).", field=f"hours[{index}]")
        require_opening(hour.opens, hour.closes, field=f"hours[{index}]")
    for weekday in range(7):
        on_day = [(i, (h.opens, h.closes)) for i, h in enumerate(hours) if h.weekday == weekday]
        clash = first_overlap([span for _, span in on_day])
        if clash is not None:
            (first, a), (second, b) = on_day[clash[0]], on_day[clash[1]]
            raise InvalidInput(
                f"On {WEEKDAY_NAMES[weekday]}, {_span(*a)} and {_span(*b)} overlap.",
                field=f"hours[{max(first, second)}]",
            )


def page_overrides(
    *,
    uow: UnitOfWork,
    provider_id: str,
    first_day: date | None,
    last_day: date | None,
    limit: int,
    offset: int,
) -> tuple[list[DateOverride], int]:
    """Return a page of the provider's date overrides by day, between two days (inclusive)."""
    query = (
        select(DateOverride)
        .where(col(DateOverride.provider_id) == provider_id)
        .order_by(col(DateOverride.day), col(DateOverride.opens), col(DateOverride.id))
    )
    if first_day is not None:
        query = query.where(col(DateOverride.day) >= first_day)
    if last_day is not None:
        query = query.where(col(DateOverride.day) <= last_day)
    with uow.reading() as reader:
        require_provider(reader, provider_id)
        return page_of(reader.session, query, limit=limit, offset=offset)


def add_override(
    *,
    uow: UnitOfWork,
    staff: StaffUser,
    provider_id: str,
    day: date,
    opens: time | None,
    closes: time | None,
) -> DateOverride:
    """Open the provider on a date at other hours than the week's, or close it (no times)."""
    require_own_provider(staff, provider_id)
    if not EARLIEST_YEAR <= day.year <= LATEST_YEAR:
        raise InvalidInput(
            f"The day must lie between {EARLIEST_YEAR} and {LATEST_YEAR}.", field="day"
        )
    if (opens is None) != (closes is None):
        raise InvalidInput(
            "Give both opens and closes, or neither to close the day.", field="opens"
        )
    if opens is not None and closes is not None:
        require_opening(opens, closes, field="closes")
    with uow:
        # Locking the provider makes two overrides added at once for one day take turns.
        locked_row(uow, Provider, provider_id, what="provider")
        _require_fits_day(uow, provider_id, day, opens, closes)
        override = DateOverride(provider_id=provider_id, day=day, opens=opens, closes=closes)
        uow.session.add(override)
        uow.session.flush()
        audit_schedule(uow, staff, provider_id, "override_added", {"day": day.isoformat()})
        uow.commit()
    return override


def _require_fits_day(
    uow: UnitOfWork, provider_id: str, day: date, opens: time | None, closes: time | None
) -> None:
    existing = list(
        uow.session.exec(
            select(DateOverride).where(
                col(DateOverride.provider_id) == provider_id, col(DateOverride.day) == day
            )
        )
    )
    if not existing:
        return
    spans = [(row.opens, row.closes) for row in existing]
    ranged = [(o, c) for o, c in spans if o is not None and c is not None]
    if len(ranged) < len(spans) or opens is None or closes is None:
        what = "given other hours" if len(ranged) == len(spans) else "closed"
        raise Conflict(f"{day} is already {what}; delete that override first.")
    for set_opens, set_closes in ranged:
        if first_overlap([(set_opens, set_closes), (opens, closes)]) is not None:
            raise Conflict(
                f"{_span(opens, closes)} overlaps {_span(set_opens, set_closes)} "
                f"already set for {day}."
            )


def remove_override(
    *, uow: UnitOfWork, staff: StaffUser, provider_id: str, override_id: int
) -> None:
    require_own_provider(staff, provider_id)
    with uow:
        override = uow.session.get(DateOverride, override_id)
        if override is None or override.provider_id != provider_id:
            raise NotFound(f"No override {override_id} for provider '{provider_id}'.")
        uow.session.delete(override)
        details = {"day": override.day.isoformat()}
        audit_schedule(uow, staff, provider_id, "override_removed", details)
        uow.commit()


def require_provider(uow: UnitOfWork, provider_id: str) -> None:
    if uow.session.get(Provider, provider_id) is None:
        raise NotFound(f"No provider '{provider_id}'.")


def audit_schedule(
    uow: UnitOfWork, staff: StaffUser, provider_id: str, change: str, details: dict[str, str]
) -> None:
    audit(
        uow,
        actor=staff_actor(staff),
        action=f"provider.{change}",
        subject_type="provider",
        subject_id=provider_id,
        details=details,
    )


def _span(opens: time, closes: time) -> str:
    return f"{opens:%H:%M}-{closes:%H:%M}"
