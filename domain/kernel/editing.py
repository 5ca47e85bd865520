"""Creating, changing and archiving the records admins manage, audited and version-checked."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import inspect
from sqlalchemy.exc import IntegrityError
from sqlmodel import SQLModel

from domain.kernel.actors import Actor
from domain.kernel.errors import Conflict, DomainError, InvalidInput
from domain.kernel.journal import audit
from domain.kernel.uow import UnitOfWork
from domain.kernel.versioning import bump_version, locked_row, require_version

Row = TypeVar("Row", bound=SQLModel)


def add_new(uow: UnitOfWork, *, actor: Actor, row: Row, what: str, subject: str) -> Row:
    """Add a row whose id the admin chose; refuse an id already taken (archived ones too)."""
    row_id = getattr(row, "id")  # noqa: B009 (every managed table has an id)
    taken = Conflict(f"A {what} with id '{row_id}' already exists.")
    if uow.session.get(type(row), row_id) is not None:
        raise taken
    insert_or_refuse(uow, row, taken)
    audit(uow, actor=actor, action=f"{subject}.created", subject_type=subject, subject_id=row_id)
    return row


def insert_or_refuse(
    uow: UnitOfWork,
    row: SQLModel,
    refusal: DomainError,
    *,
    key_taken: Callable[[], bool] | None = None,
) -> None:
    """Insert the row now; raise `refusal` if a concurrent transaction took its key first.

    The insert runs in a savepoint, so a lost race leaves this transaction usable and answers
    with the refusal instead of failing at commit. `key_taken` tells whether the key is taken when
    it is not the primary key (a unique blind index).
    """
    try:
        with uow.session.begin_nested():
            uow.session.add(row)
    except IntegrityError as exc:
        if key_taken is None:
            key = tuple(inspect(type(row)).primary_key_from_instance(row))
            key_taken = lambda: uow.session.get(type(row), key) is not None  # noqa: E731
        if not key_taken():
            raise  # some other constraint: not a key taken meanwhile
        raise refusal from exc


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
    require_version(row, expected_version, what=what)  # type: ignore[arg-type]
    return apply_changes(uow, actor=actor, row=row, changes=changes, subject=subject, action=action)


def apply_changes(
    uow: UnitOfWork,
    *,
    actor: Actor,
    row: Row,
    changes: dict[str, Any],
    subject: str,
    action: str = "updated",
) -> Row:
    """Set fields on a row the caller locked and version-checked, count the change, audit it."""
    for field, value in changes.items():
        if not hasattr(row, field) or field in {"id", "version"}:
            raise InvalidInput(f"'{field}' cannot be changed.", field=field)
        setattr(row, field, value)
    bump_version(row)  # type: ignore[arg-type]
    audit(
        uow,
        actor=actor,
        action=f"{subject}.{action}",
        subject_type=subject,
        subject_id=str(getattr(row, "id")),  # noqa: B009 (every managed table has an id)
        details={"fields": sorted(changes)},
    )
    return row
