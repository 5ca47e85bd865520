"""Attempts counted before the work they cost, in the database: limits that hold across app
processes and against many requests arriving at once.

An attempt is counted as failed up front, in one statement per limit that adds one only while
the window still has room; a request finding no room is refused before any password is
hashed. A success then takes its attempt back. Counting after the hash, as before, let forty
simultaneous guesses all be checked while the count still read zero.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import bindparam, case, delete, literal, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col

from domain.kernel.errors import DomainError
from domain.kernel.uow import UnitOfWork
from domain.models import AttemptCounter
from domain.models.types import UTCDateTime


class TooManyAttempts(DomainError):
    """A limit is spent; says how long until it has room again."""

    code = "too_many_attempts"

    def __init__(self, message: str, *, retry_after: timedelta) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True)
class Limit:
    """At most `allowed` attempts under `key` in a window of `window`."""

    key: str
    allowed: int
    window: timedelta


def counter_key(key: str) -> str:
    """Return the stored form of a key: a hash, so what people typed is not kept."""
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def reserve_attempt(*, uow: UnitOfWork, limits: Sequence[Limit], refusal: str) -> None:
    """Count one attempt under every limit, or under none when one is spent (TooManyAttempts).

    Keys are taken in one order, so two requests sharing keys never wait on each other in
    opposite orders (a deadlock on PostgreSQL).
    """
    with uow:
        now = uow.now()
        for limit in sorted(limits, key=lambda each: counter_key(each.key)):
            key = counter_key(limit.key)
            uow.session.connection().execute(_CREATE[uow.engine.dialect.name], _new_row(key, now))
            expired = col(AttemptCounter.window_started_at) <= now - limit.window
            counted = uow.session.connection().execute(
                update(AttemptCounter)
                .where(
                    col(AttemptCounter.key) == key,
                    or_(expired, col(AttemptCounter.attempts) < limit.allowed),
                )
                .values(
                    attempts=case((expired, 1), else_=col(AttemptCounter.attempts) + 1),
                    window_started_at=case(
                        (expired, literal(now, UTCDateTime())),
                        else_=col(AttemptCounter.window_started_at),
                    ),
                )
                .returning(col(AttemptCounter.attempts))
            )
            if counted.first() is None:
                started = uow.session.connection().execute(
                    select(col(AttemptCounter.window_started_at)).where(
                        col(AttemptCounter.key) == key
                    )
                )
                retry_after = started.scalar_one() + limit.window - now
                raise TooManyAttempts(refusal, retry_after=max(retry_after, timedelta(seconds=1)))
        uow.commit()


def take_back_attempt(
    *, uow: UnitOfWork, limits: Sequence[Limit], clear: Collection[Limit] = ()
) -> None:
    """Uncount the attempt reserved under these limits (it succeeded); forget `clear` entirely."""
    with uow:
        cleared = {counter_key(limit.key) for limit in clear}
        keys = sorted({counter_key(limit.key) for limit in limits} - cleared)
        for key in keys:
            uow.session.connection().execute(
                update(AttemptCounter)
                .where(col(AttemptCounter.key) == key, col(AttemptCounter.attempts) > 0)
                .values(attempts=col(AttemptCounter.attempts) - 1)
            )
        if cleared:
            uow.session.connection().execute(
                delete(AttemptCounter).where(col(AttemptCounter.key).in_(sorted(cleared)))
            )
        uow.commit()


def _new_row(key: str, now: Any) -> dict[str, Any]:
    return {"key": key, "window_started_at": now, "attempts": 0}


def _create_statement(dialect: Any) -> Any:
    return (
        dialect.insert(AttemptCounter)
        .values(
            key=bindparam("key"),
            window_started_at=bindparam("window_started_at"),
            attempts=bindparam("attempts"),
        )
        .on_conflict_do_nothing(index_elements=["key"])
    )


# The counter's row, made if missing, so the UPDATE below always has a row to lock.
_CREATE = {"postgresql": _create_statement(postgresql), "sqlite": _create_statement(sqlite)}
