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

from sqlalchemy.engine import make_url

ANOTHER_SERVER = (
    "Another Frontdesk server is running on the SQLite database {path}. SQLite serves one "
    "process; to run several, set DATABASE_URL to a PostgreSQL database."
)


class AnotherServerRunning(RuntimeError):
    pass


@contextmanager
def only_server_on_sqlite(database_url: str) -> Iterator[None]:
    """Hold an exclusive lock beside the SQLite file while serving (nothing on PostgreSQL)."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        yield
        return
    database = Path(url.database).resolve()
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
