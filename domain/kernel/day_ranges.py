"""Ranges of calendar days asked for by staff (`from`/`to`, both ends included)."""

from __future__ import annotations

from datetime import date

from domain.kernel.errors import InvalidInput
from domain.kernel.instants import EARLIEST_YEAR, LATEST_YEAR


def check_day_range(
    first_day: date | None, last_day: date | None, *, max_days: int | None = None
) -> None:
    """Refuse days outside any calendar a practice keeps, a reversed range or a too long one."""
    for day, field in ((first_day, "from"), (last_day, "to")):
        if day is not None and not EARLIEST_YEAR <= day.year <= LATEST_YEAR:
            raise InvalidInput(
                f"'{field}' must lie between {EARLIEST_YEAR} and {LATEST_YEAR}.", field=field
            )
    if first_day is None or last_day is None:
        return
    if last_day < first_day:
        raise InvalidInput("'to' must not come before 'from'.", field="to")
    if max_days is not None and (last_day - first_day).days >= max_days:
        raise InvalidInput(f"Ask for at most {max_days} days at a time.", field="to")
