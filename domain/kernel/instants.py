"""Instants a practice can keep: aware, and within the years any calendar of ours spans."""

from __future__ import annotations

from datetime import datetime

from domain.kernel.errors import InvalidInput

EARLIEST_YEAR, LATEST_YEAR = 1971, 9000


def require_instant(value: datetime, what: str = "A start time") -> None:
    """Refuse naive datetimes and ones outside any calendar a practice keeps."""
    if value.tzinfo is None:
        raise InvalidInput(f"{what} needs its time zone or UTC offset.")
    if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        raise InvalidInput(f"{what} must lie between {EARLIEST_YEAR} and {LATEST_YEAR}.")
