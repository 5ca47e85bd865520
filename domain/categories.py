"""Categories of service (medical, legal, …), managed by admins."""

from __future__ import annotations

from sqlmodel import col, select

from domain.actors import Actor
from domain.editing import add_new, change
from domain.errors import NotFound
from domain.models import Category
from domain.paging import page_of
from domain.uow import UnitOfWork

WHAT = "category"


def page_categories(
    *, uow: UnitOfWork, archived: bool | None, search: str | None, limit: int, offset: int
) -> tuple[list[Category], int]:
    """Return a page of categories by id, filtered by archived state and a name fragment."""
    query = select(Category).order_by(col(Category.id))
    if archived is not None:
        query = query.where(col(Category.archived).is_(archived))
    if search:
        query = query.where(col(Category.name).icontains(search, autoescape=True))
    with uow.reading() as reader:
        return page_of(reader.session, query, limit=limit, offset=offset)


def get_category(*, uow: UnitOfWork, category_id: str) -> Category:
    with uow.reading() as reader:
        category = reader.session.get(Category, category_id)
    if category is None:
        raise NotFound(f"No category '{category_id}'.")
    return category


def create_category(*, uow: UnitOfWork, actor: Actor, category_id: str, name: str) -> Category:
    with uow:
        category = add_new(
            uow, actor=actor, row=Category(id=category_id, name=name), what=WHAT, subject=WHAT
        )
        uow.commit()
    return category


def update_category(
    *,
    uow: UnitOfWork,
    actor: Actor,
    category_id: str,
    expected_version: int,
    changes: dict[str, object],
) -> Category:
    """Rename, archive or restore a category made from the version the admin read."""
    with uow:
        category = change(
            uow,
            actor=actor,
            model=Category,
            row_id=category_id,
            expected_version=expected_version,
            changes=changes,
            what=WHAT,
            subject=WHAT,
        )
        uow.commit()
    return category
