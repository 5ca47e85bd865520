"""Ids a record gives for other records (a category, document kinds, services) must name them."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable
from typing import TypeVar

from sqlmodel import SQLModel, col, select

from domain.kernel.errors import InvalidInput
from domain.kernel.uow import UnitOfWork

Row = TypeVar("Row", bound=SQLModel)


def require_distinct(values: Iterable[str], *, field: str) -> None:
    """Refuse a list that names something twice."""
    repeated = sorted(value for value, count in Counter(values).items() if count > 1)
    if repeated:
        raise InvalidInput(f"'{repeated[0]}' is listed more than once.", field=field)


def require_known(
    uow: UnitOfWork,
    *,
    model: type[Row],
    ids: Iterable[str],
    field: str,
    what: str,
    kept: Collection[str] = (),
) -> None:
    """Refuse an id naming no row, or an archived row the record did not already refer to.

    What a record referred to before stays valid after it is archived (`kept`), so archiving
    a document kind never makes the services that ask for it impossible to change.
    """
    wanted = list(ids)
    require_distinct(wanted, field=field)
    if not wanted:
        return
    key = col(getattr(model, "id"))  # noqa: B009 (every referenced table has an id)
    found = {row.id: row for row in uow.session.exec(select(model).where(key.in_(wanted)))}  # type: ignore[attr-defined]
    for row_id in wanted:
        row = found.get(row_id)
        if row is None:
            raise InvalidInput(f"No {what} '{row_id}'.", field=field)
        if getattr(row, "archived", False) and row_id not in kept:
            raise InvalidInput(
                f"The {what} '{row_id}' is archived; restore it before using it.", field=field
            )
