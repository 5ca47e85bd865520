"""Retrying transactions PostgreSQL aborted, and the exclusion constraint's refusal in words."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import TypeVar

from sqlalchemy.exc import DBAPIError, IntegrityError

from domain.scheduling.slot_rules import SlotProvider, taken

T = TypeVar("T")

EXCLUSION_VIOLATION = "23P01"
# Deadlocks and serialization failures are worth a fresh attempt; the work is all-or-nothing.
RETRYABLE = {"40P01", "40001"}
ATTEMPTS = 4


def sqlstate(exc: DBAPIError) -> str | None:
    return getattr(exc.orig, "sqlstate", None)


def retrying(operation: Callable[[], T]) -> T:
    """Run a transactional operation again when PostgreSQL aborted it for a deadlock."""
    for attempt in range(ATTEMPTS):
        try:
            return operation()
        except DBAPIError as exc:
            if sqlstate(exc) not in RETRYABLE or attempt == ATTEMPTS - 1:
                raise
            # Jittered: two transactions that deadlocked each other and waited alike would
            # start again together and, on the same rows, deadlock again (seen under
            # contention: 21 holds failed after four deadlocks each, 1 s detection apiece).
            time.sleep(random.uniform(0.005, 0.025) * (attempt + 1))  # noqa: S311 (not a secret)
    raise AssertionError("unreachable")


@contextmanager
def refused_as_taken(provider: SlotProvider, start: datetime) -> Iterator[None]:
    """Turn the exclusion constraint's refusal into the answer availability would have given.

    Wrap it around the commit that writes the booking. The answer is worded beforehand: a
    failed flush rolls back and expires the provider, whose name would cost another query.
    """
    refusal = taken(provider, start)
    try:
        yield
    except IntegrityError as exc:
        if sqlstate(exc) != EXCLUSION_VIOLATION:
            raise
        raise refusal from exc
