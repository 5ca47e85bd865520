"""What the knowledge index holds: the practice's knowledge entries and its service descriptions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from domain.catalog.reading import active_services, knowledge_entries
from domain.kernel.uow import UnitOfWork
from domain.models import KnowledgeEntry, Service

Kind = Literal["knowledge", "service"]
KINDS: tuple[Kind, ...] = ("knowledge", "service")


@dataclass(frozen=True)
class Entry:
    """One searchable document: a knowledge entry or a service's description."""

    kind: Kind
    id: str
    title: str
    text: str

    @property
    def document_id(self) -> str:
        return document_id(self.kind, self.id)

    @property
    def searchable(self) -> str:
        """Return the text that is embedded: the title carries meaning the text may lack."""
        return f"{self.title}. {self.text}"


def document_id(kind: Kind, entry_id: str) -> str:
    """Return the index id of an entry, such as 'service:derm-consult'."""
    return f"{kind}:{entry_id}"


def knowledge_entry(row: KnowledgeEntry) -> Entry:
    """Return the index entry for a knowledge entry."""
    return Entry(kind="knowledge", id=row.id, title=row.title, text=row.text)


def service_entry(row: Service) -> Entry:
    """Return the index entry for a service: its description and price."""
    price = f"Price: {row.price} {row.currency}."
    text = f"{row.description} {price}" if row.description else price
    return Entry(kind="service", id=row.id, title=row.name, text=text)


def entries_from_database(uow: UnitOfWork) -> list[Entry]:
    """Return every knowledge entry and every service that is not archived."""
    return [knowledge_entry(row) for row in knowledge_entries(uow=uow)] + [
        service_entry(row) for row in active_services(uow=uow)
    ]
