"""Creating, changing and archiving the records admins manage, audited and version-checked."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlmodel import SQLModel

from domain.actors import Actor
from domain.errors import Conflict, InvalidInput
from domain.journal import audit
from domain.uow import UnitOfWork
from domain.versioning import check_version, locked_row

Row = TypeVar("Row", bound=SQLModel)


def add_new(uow: UnitOfWork, *, actor: Actor, row: Row, what: str, subject: str) -> Row:
    """Add a row whose id the admin chose; refuse an id already taken (archived ones too)."""
    row_id = getattr(row, "id")  # noqa: B009 (every managed table has an id)
    if uow.session.get(type(row), row_id) is not None:
        raise Conflict(f"A {what} with id '{row_id}' already exists.")
    uow.session.add(row)
    audit(uow, actor=actor, action=f"{subject}.created", subject_type=subject, subject_id=row_id)
    return row


def change(
    uow: UnitOfWork,
    *,
    actor: Actor,
    model: type[Row],
    row_id: object,
    expected_version: int,
    changes: dict[str, Any],
    what: str,
    subject: str,
    action: str = "updated",
) -> Row:
    """Apply field changes to the row at the version the admin read, or refuse them."""
    row = locked_row(uow, model, row_id, what=what)
    check_version(row, expected_version, what=what)  # type: ignore[arg-type]
    for field, value in changes.items():
        if not hasattr(row, field) or field in {"id", "version"}:
            raise InvalidInput(f"'{field}' cannot be changed.", field=field)
        setattr(row, field, value)
    audit(
        uow,
        actor=actor,
        action=f"{subject}.{action}",
        subject_type=subject,
        subject_id=str(row_id),
        details={"fields": sorted(changes)},
    )
    return row
