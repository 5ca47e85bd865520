"""A provider's time off: instants when no slot is offered, kept by the provider or an admin."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import col, select

from domain.kernel.errors import InvalidInput, NotFound
from domain.kernel.instants import require_instant
from domain.kernel.paging import page_of
from domain.kernel.uow import UnitOfWork
from domain.models import StaffUser, TimeOff
from domain.scheduling.hours import audit_schedule, require_provider
from domain.staff.access import require_own_provider


def page_time_off(
    *,
    uow: UnitOfWork,
    provider_id: str,
    ends_after: datetime | None,
    starts_before: datetime | None,
    limit: int,
    offset: int,
) -> tuple[list[TimeOff], int]:
    """Return a page of the provider's time off by start, overlapping the given window."""
    query = (
        select(TimeOff)
        .where(col(TimeOff.provider_id) == provider_id)
        .order_by(col(TimeOff.starts_at), col(TimeOff.id))
    )
    if ends_after is not None:
        require_instant(ends_after, "from")
        query = query.where(col(TimeOff.ends_at) > ends_after)
    if starts_before is not None:
        require_instant(starts_before, "to")
        query = query.where(col(TimeOff.starts_at) < starts_before)
    with uow.reading() as reader:
        require_provider(reader, provider_id)
        return page_of(reader.session, query, limit=limit, offset=offset)


def add_time_off(
    *,
    uow: UnitOfWork,
    staff: StaffUser,
    provider_id: str,
    starts_at: datetime,
    ends_at: datetime,
    reason: str,
) -> TimeOff:
    """Mark the provider away from `starts_at` until `ends_at`: no slots are offered then."""
    require_own_provider(staff, provider_id)
    for field, instant in (("starts_at", starts_at), ("ends_at", ends_at)):
        try:
            require_instant(instant, field)
        except InvalidInput as exc:
            raise InvalidInput(exc.message, field=field) from exc
    starts_at, ends_at = starts_at.astimezone(UTC), ends_at.astimezone(UTC)  # as it is stored
    if ends_at <= starts_at:
        raise InvalidInput("Time off must end after it starts.", field="ends_at")
    with uow:
        require_provider(uow, provider_id)
        off = TimeOff(provider_id=provider_id, starts_at=starts_at, ends_at=ends_at, reason=reason)
        uow.session.add(off)
        uow.session.flush()
        details = {"starts_at": starts_at.isoformat(), "ends_at": ends_at.isoformat()}
        audit_schedule(uow, staff, provider_id, "time_off_added", details)
        uow.commit()
    return off


def remove_time_off(
    *, uow: UnitOfWork, staff: StaffUser, provider_id: str, time_off_id: int
) -> None:
    require_own_provider(staff, provider_id)
    with uow:
        off = uow.session.get(TimeOff, time_off_id)
        if off is None or off.provider_id != provider_id:
            raise NotFound(f"No time off {time_off_id} for provider '{provider_id}'.")
        uow.session.delete(off)
        details = {"starts_at": off.starts_at.isoformat(), "ends_at": off.ends_at.isoformat()}
        audit_schedule(uow, staff, provider_id, "time_off_removed", details)
        uow.commit()
