"""The audit log as admins read it: who did what to which record, newest first."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import ColumnElement, or_
from sqlmodel import col, select

from domain.kernel.errors import InvalidInput, NotFound
from domain.kernel.instants import require_instant
from domain.kernel.paging import page_of
from domain.kernel.uow import UnitOfWork
from domain.models import AuditEvent, StaffUser
from domain.staff.access import require_admin

# "booking.*" stands for every booking action.
WILDCARD = ".*"


def page_audit_events(
    *,
    uow: UnitOfWork,
    staff: StaffUser,
    actor_id: str | None,
    actions: Collection[str],
    subject_type: str | None,
    subject_id: str | None,
    since: datetime | None,
    until: datetime | None,
    limit: int,
    offset: int,
) -> tuple[list[AuditEvent], int]:
    """Return a page of audit events, newest first, from `since` up to (not including) `until`."""
    require_admin(staff)
    for instant, field in ((since, "from"), (until, "to")):
        if instant is not None:
            try:
                require_instant(instant, f"'{field}'")
            except InvalidInput as exc:
                raise InvalidInput(exc.message, field=field) from exc
    if since is not None and until is not None and until <= since:
        raise InvalidInput("'to' must come after 'from'.", field="to")
    query = select(AuditEvent).order_by(col(AuditEvent.at).desc(), col(AuditEvent.id).desc())
    if actor_id:
        query = query.where(col(AuditEvent.actor_id) == actor_id)
    if actions:
        query = query.where(or_(*(_matching(action) for action in actions)))
    if subject_type:
        query = query.where(col(AuditEvent.subject_type) == subject_type)
    if subject_id:
        query = query.where(col(AuditEvent.subject_id) == subject_id)
    if since is not None:
        query = query.where(col(AuditEvent.at) >= since)
    if until is not None:
        query = query.where(col(AuditEvent.at) < until)
    with uow.reading() as reader:
        return page_of(reader.session, query, limit=limit, offset=offset)


def _matching(action: str) -> ColumnElement[bool]:
    if action.endswith(WILDCARD):
        prefix = action.removesuffix("*")
        return col(AuditEvent.action).startswith(prefix, autoescape=True)
    return col(AuditEvent.action) == action


def get_audit_event(*, uow: UnitOfWork, staff: StaffUser, event_id: int) -> AuditEvent:
    require_admin(staff)
    with uow.reading() as reader:
        event = reader.session.get(AuditEvent, event_id)
    if event is None:
        raise NotFound(f"No audit event {event_id}.")
    return event
