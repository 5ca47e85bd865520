"""One page of a query's rows, with the count of all of them."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import func
from sqlmodel import Session, select
from sqlmodel.sql.expression import SelectOfScalar

T = TypeVar("T")
MAX_PAGE = 200


def page_of(
    session: Session, query: SelectOfScalar[T], *, limit: int, offset: int
) -> tuple[list[T], int]:
    """Return rows `offset` to `offset + limit` of an ordered query and how many there are."""
    counted: Any = select(func.count()).select_from(query.order_by(None).subquery())
    total: int = session.exec(counted).one()
    rows = list(session.exec(query.limit(min(limit, MAX_PAGE)).offset(offset)))
    return rows, total
