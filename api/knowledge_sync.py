"""Keeping the agent's knowledge index in step with what admins change, once it is committed."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Protocol

from starlette.requests import HTTPConnection

from domain.catalog.knowledge import find_knowledge_entry
from domain.catalog.services import get_service
from domain.kernel.errors import NotFound
from domain.kernel.uow import UnitOfWork
from knowledge.entries import Entry, Kind, knowledge_entry, service_entry

log = logging.getLogger(__name__)


class EntryIndex(Protocol):
    def upsert(self, entry: Entry) -> None: ...
    def remove(self, kind: Kind, entry_id: str) -> None: ...


class KnowledgeSync:
    """Puts an entry into the index as the database has it now, or takes it out.

    Each refresh reads the committed row under one lock, so when two admins change an entry
    at once the index ends with the later commit, whichever request finishes first. Each one
    is announced to the other processes (`announce`), which refresh their own index the same
    way; they read the row, so a late or repeated announcement does no harm.
    """

    def __init__(
        self,
        index: EntryIndex,
        uow: Callable[[], UnitOfWork],
        announce: Callable[[Kind, str], None] | None = None,
    ) -> None:
        self._index = index
        self._uow = uow
        self._lock = threading.Lock()
        self._announce = announce

    def refresh(self, kind: Kind, entry_id: str, *, announce: bool = True) -> None:
        """Refresh a knowledge entry or a service; tell the other processes unless told not."""
        if kind == "service":
            self._refresh_service(entry_id)
        else:
            self._refresh_knowledge(entry_id)
        if announce and self._announce is not None:
            self._announce(kind, entry_id)

    def refresh_knowledge(self, entry_id: str) -> None:
        self.refresh("knowledge", entry_id)

    def refresh_service(self, service_id: str) -> None:
        """Index a service by its description (the agent finds services by need through it)."""
        self.refresh("service", service_id)

    def _refresh_knowledge(self, entry_id: str) -> None:
        with self._lock, _logged("knowledge", entry_id):
            row = find_knowledge_entry(uow=self._uow(), entry_id=entry_id)
            if row is None:
                self._index.remove("knowledge", entry_id)
            else:
                self._index.upsert(knowledge_entry(row))

    def _refresh_service(self, service_id: str) -> None:
        with self._lock, _logged("service", service_id):
            try:
                row = get_service(uow=self._uow(), service_id=service_id)
            except NotFound:
                row = None
            if row is None or row.archived:
                self._index.remove("service", service_id)
            else:
                self._index.upsert(service_entry(row))


@contextmanager
def _logged(kind: Kind, entry_id: str) -> Iterator[None]:
    """Log a failed index update rather than fail the request: the change is committed, and
    the index is rebuilt from the database at the next start."""
    try:
        yield
    except Exception:
        log.exception("could not update the knowledge index for %s:%s", kind, entry_id)


def knowledge_sync_of(connection: HTTPConnection) -> KnowledgeSync | None:
    """The app's index keeper; None before the agent (and with it the index) has opened."""
    sync: KnowledgeSync | None = getattr(connection.app.state, "knowledge", None)
    return sync
