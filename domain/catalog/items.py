"""Named records admins add by id and archive rather than delete: categories, document kinds, …"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy.sql import ColumnElement
from sqlmodel import SQLModel, col, select
from sqlmodel.sql.expression import Select, SelectOfScalar

from domain.kernel.editing import add_new, change
from domain.kernel.errors import NotFound
from domain.kernel.paging import page_of
from domain.kernel.uow import UnitOfWork
from domain.models import StaffUser
from domain.staff.access import require_admin, staff_actor

Item = TypeVar("Item", bound=SQLModel)
Query = TypeVar("Query", Select[Any], SelectOfScalar[Any])


def archived_and_named(
    query: Query, model: type[SQLModel], *, archived: bool | None, search: str | None
) -> Query:
    """Narrow a query to archived rows or current ones (None: both) whose name holds `search`."""
    columns: Any = model  # every catalog table has `archived` and `name`
    if archived is not None:
        query = query.where(col(columns.archived).is_(archived))
    if search:
        query = query.where(col(columns.name).icontains(search, autoescape=True))
    return query


@dataclass(frozen=True)
class CatalogItems(Generic[Item]):
    """One table of records admins add under an id: any staff member reads them, admins change them.

    `page` and `archive` are for the named, archivable ones (all but knowledge entries).
    """

    model: type[Item]
    what: str  # as messages name one: "document kind"
    subject: str  # as the audit log names one: "document_kind"

    def page(
        self,
        *,
        uow: UnitOfWork,
        archived: bool | None,
        search: str | None,
        limit: int,
        offset: int,
        where: Sequence[ColumnElement[bool]] = (),
    ) -> tuple[list[Item], int]:
        """Return a page of items by id, by archived state, name fragment and `where`."""
        query = select(self.model).where(*where).order_by(col(self._id))
        query = archived_and_named(query, self.model, archived=archived, search=search)
        with uow.reading() as reader:
            return page_of(reader.session, query, limit=limit, offset=offset)

    def get(self, *, uow: UnitOfWork, item_id: str) -> Item:
        with uow.reading() as reader:
            item = reader.session.get(self.model, item_id)
        if item is None:
            raise NotFound(f"No {self.what} '{item_id}'.")
        return item

    def add(self, *, uow: UnitOfWork, staff: StaffUser, item: Item) -> Item:
        """Add an item under the id the admin chose (refused if taken, archived ones too)."""
        require_admin(staff)
        with uow:
            add_new(uow, actor=staff_actor(staff), row=item, what=self.what, subject=self.subject)
            uow.commit()
        return item

    def change(
        self,
        *,
        uow: UnitOfWork,
        staff: StaffUser,
        item_id: str,
        expected_version: int,
        changes: dict[str, Any],
    ) -> Item:
        """Rename, archive or restore an item as of the version the admin read."""
        require_admin(staff)
        with uow:
            item = change(
                uow,
                actor=staff_actor(staff),
                model=self.model,
                row_id=item_id,
                expected_version=expected_version,
                changes=changes,
                what=self.what,
                subject=self.subject,
            )
            uow.commit()
        return item

    def archive(
        self, *, uow: UnitOfWork, staff: StaffUser, item_id: str, expected_version: int
    ) -> Item:
        """Archive an item: what refers to it keeps it; it can be restored by a change."""
        return self.change(
            uow=uow,
            staff=staff,
            item_id=item_id,
            expected_version=expected_version,
            changes={"archived": True},
        )

    @property
    def _id(self) -> Any:
        columns: Any = self.model  # every catalog table has an `id`
        return columns.id
