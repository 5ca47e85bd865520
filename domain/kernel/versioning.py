"""Optimistic concurrency: a change names the version it was made from, or it is refused."""

from __future__ import annotations

from typing import Protocol, TypeVar

from sqlmodel import SQLModel

from domain.kernel.errors import Conflict, NotFound
from domain.kernel.uow import UnitOfWork


class Versioned(Protocol):
    version: int


class StaleVersion(Conflict):
    """The row changed since the caller read it: their change would overwrite someone else's."""

    code = "stale_version"


Row = TypeVar("Row", bound=SQLModel)


def lock(uow: UnitOfWork, model: type[Row], row_id: object) -> Row | None:
    """Return the row as it is now, locked for this transaction (None when there is none).

    The row is read again even if this session loaded it before the lock: a copy read earlier
    may predate a change committed while this transaction waited for the lock.
    """
    return uow.session.get(model, row_id, with_for_update=True, populate_existing=True)


def locked_row(uow: UnitOfWork, model: type[Row], row_id: object, *, what: str) -> Row:
    """Return the row locked for this transaction (PostgreSQL row lock; SQLite's write lock)."""
    row = lock(uow, model, row_id)
    if row is None:
        raise NotFound(f"No {what} '{row_id}'.")
    return row


def require_version(row: Versioned, expected: int, *, what: str) -> None:
    """Refuse a change made from an older version of the row than the one stored."""
    if row.version != expected:
        raise StaleVersion(
            f"This {what} changed since you read it (you sent version {expected}; it is now "
            f"version {row.version}). Read it again and reapply your change."
        )


def bump_version(row: Versioned) -> None:
    """Count a change to the row, so every version read before it is refused from now on."""
    row.version += 1


def check_version(row: Versioned, expected: int, *, what: str) -> None:
    """Refuse a change made from an older version of the row, then count this one."""
    require_version(row, expected, what=what)
    bump_version(row)
