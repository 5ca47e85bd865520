"""SQLite serves one process: a second server on the same file refuses to start.

Its live events, turn leases and knowledge index would not reach the first one's sockets, and
SQLite takes one writer at a time. Several processes want PostgreSQL.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ANOTHER_SERVER = (
    "Another Frontdesk server is running on the SQLite database {path}. SQLite serves one "
    "process; to run several, set DATABASE_URL to a PostgreSQL database."
)


class AnotherServerRunning(RuntimeError):
    pass


@contextmanager
def only_server_on_sqlite(sqlite_file: str | None) -> Iterator[None]:
    """Hold an exclusive lock beside the SQLite file while serving (None: not on SQLite)."""
    if not sqlite_file or sqlite_file == ":memory:":
        yield
        return
    database = Path(sqlite_file).resolve()
    fd = os.open(f"{database}.serving.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            # Held by the open file: a process that dies lets it go with its descriptors.
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise AnotherServerRunning(ANOTHER_SERVER.format(path=database)) from None
        yield
    finally:
        os.close(fd)
