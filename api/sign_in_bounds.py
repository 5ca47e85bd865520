"""How much password hashing sign-ins may do at once in this process.

The limits that say how many attempts an account or address gets are the domain's, counted in
the database (domain.staff.sign_in). This bounds something else: the CPU one process spends at
one moment. Each check costs an argon2 hash, run on a worker thread so the event loop keeps
serving; a burst aimed at one account or from one address gets a few of those threads, not all.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import TypeVar

from anyio import CapacityLimiter, to_thread

from domain.staff.attempts import TooManyAttempts

T = TypeVar("T")
BUSY = "Too many sign-ins at once for this account or from this address."


class SignInBounds:
    def __init__(self, *, per_account: int = 2, per_address: int = 4) -> None:
        self.per_account = per_account
        self.per_address = per_address
        # Hashes under way in all: more threads than cores would only queue in the CPU.
        self._threads = CapacityLimiter(max(2, os.cpu_count() or 2))
        # Only ever touched on the event loop's thread, so it needs no lock.
        self._checking: Counter[str] = Counter()

    @contextmanager
    def hashing(self, *, account: str, address: str) -> Iterator[None]:
        """Hold a place for one check of this account from this address, or refuse at once."""
        keys = (f"account:{account}", f"address:{address}")
        if (
            self._checking[keys[0]] >= self.per_account
            or self._checking[keys[1]] >= self.per_address
        ):
            raise TooManyAttempts(BUSY, retry_after=timedelta(seconds=1))
        self._checking.update(keys)
        try:
            yield
        finally:
            self._checking.subtract(keys)
            for key in keys:
                if self._checking[key] <= 0:
                    del self._checking[key]

    async def run(self, work: Callable[[], T]) -> T:
        """Run a check (hashing included) on a worker thread, a few at a time."""
        return await to_thread.run_sync(work, limiter=self._threads)
