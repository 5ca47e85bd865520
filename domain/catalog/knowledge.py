"""Knowledge entries (policies, directions, payment): what the agent answers questions from."""

from __future__ import annotations

from sqlalchemy import or_
from sqlmodel import col, select

from domain.catalog.items import CatalogItems
from domain.kernel.journal import audit
from domain.kernel.paging import page_of
from domain.kernel.uow import UnitOfWork
from domain.kernel.versioning import check_version, locked_row
from domain.models import KnowledgeEntry, StaffUser
from domain.staff.access import require_admin, staff_actor

WHAT = "knowledge entry"
SUBJECT = "knowledge_entry"
# Added, read and changed as every catalog record is; deleted for good rather than archived.
ENTRIES = CatalogItems(KnowledgeEntry, what=WHAT, subject=SUBJECT)


def page_knowledge(
    *, uow: UnitOfWork, search: str | None, limit: int, offset: int
) -> tuple[list[KnowledgeEntry], int]:
    """Return a page of entries by id whose title or text contains `search`."""
    query = select(KnowledgeEntry).order_by(col(KnowledgeEntry.id))
    if search:
        query = query.where(
            or_(
                col(KnowledgeEntry.title).icontains(search, autoescape=True),
                col(KnowledgeEntry.text).icontains(search, autoescape=True),
            )
        )
    with uow.reading() as reader:
        return page_of(reader.session, query, limit=limit, offset=offset)


def find_knowledge_entry(*, uow: UnitOfWork, entry_id: str) -> KnowledgeEntry | None:
    with uow.reading() as reader:
        return reader.session.get(KnowledgeEntry, entry_id)


def get_knowledge_entry(*, uow: UnitOfWork, entry_id: str) -> KnowledgeEntry:
    return ENTRIES.get(uow=uow, item_id=entry_id)


def create_knowledge_entry(
    *, uow: UnitOfWork, staff: StaffUser, entry_id: str, title: str, text: str
) -> KnowledgeEntry:
    return ENTRIES.add(
        uow=uow, staff=staff, item=KnowledgeEntry(id=entry_id, title=title, text=text)
    )


def update_knowledge_entry(
    *,
    uow: UnitOfWork,
    staff: StaffUser,
    entry_id: str,
    expected_version: int,
    changes: dict[str, object],
) -> KnowledgeEntry:
    """Change an entry's title or text as of the version the admin read."""
    return ENTRIES.change(
        uow=uow,
        staff=staff,
        item_id=entry_id,
        expected_version=expected_version,
        changes=changes,
    )


def delete_knowledge_entry(
    *, uow: UnitOfWork, staff: StaffUser, entry_id: str, expected_version: int
) -> None:
    """Delete an entry for good (nothing refers to one) as of the version the admin read."""
    require_admin(staff)
    with uow:
        entry = locked_row(uow, KnowledgeEntry, entry_id, what=WHAT)
        check_version(entry, expected_version, what=WHAT)
        uow.session.delete(entry)
        audit(
            uow,
            actor=staff_actor(staff),
            action=f"{SUBJECT}.deleted",
            subject_type=SUBJECT,
            subject_id=entry_id,
            details={"title": entry.title},
        )
        uow.commit()
