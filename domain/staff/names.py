"""Staff by name: what the console shows for whoever holds a conversation."""

from __future__ import annotations

from collections.abc import Collection

from sqlmodel import col, select

from domain.kernel.uow import UnitOfWork
from domain.models import StaffUser


def staff_names(*, uow: UnitOfWork, staff_ids: Collection[str]) -> dict[str, str]:
    """Return the name of each of these staff accounts by id, deactivated ones too.

    An id no account has is left out. A conversation can still be held by someone whose
    account was deactivated since, and the console names them all the same.
    """
    if not staff_ids:
        return {}
    with uow.reading() as reader:
        rows = reader.session.exec(
            select(StaffUser.id, StaffUser.name).where(
                col(StaffUser.id).in_(sorted(set(staff_ids)))
            )
        )
        return {staff_id: name for staff_id, name in rows}
