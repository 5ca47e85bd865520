"""Kinds of document a service asks clients for (passport, insurance card, …), managed by admins."""

from __future__ import annotations

from sqlmodel import col, select

from domain.actors import Actor
from domain.editing import add_new, change
from domain.errors import NotFound
from domain.models import DocumentKind
from domain.paging import page_of
from domain.uow import UnitOfWork

WHAT = "document kind"
SUBJECT = "document_kind"


def page_document_kinds(
    *, uow: UnitOfWork, archived: bool | None, search: str | None, limit: int, offset: int
) -> tuple[list[DocumentKind], int]:
    """Return a page of document kinds by id, filtered by archived state and a name fragment."""
    query = select(DocumentKind).order_by(col(DocumentKind.id))
    if archived is not None:
        query = query.where(col(DocumentKind.archived).is_(archived))
    if search:
        query = query.where(col(DocumentKind.name).icontains(search, autoescape=True))
    with uow.reading() as reader:
        return page_of(reader.session, query, limit=limit, offset=offset)


def get_document_kind(*, uow: UnitOfWork, kind_id: str) -> DocumentKind:
    with uow.reading() as reader:
        kind = reader.session.get(DocumentKind, kind_id)
    if kind is None:
        raise NotFound(f"No document kind '{kind_id}'.")
    return kind


def create_document_kind(*, uow: UnitOfWork, actor: Actor, kind_id: str, name: str) -> DocumentKind:
    with uow:
        kind = add_new(
            uow, actor=actor, row=DocumentKind(id=kind_id, name=name), what=WHAT, subject=SUBJECT
        )
        uow.commit()
    return kind


def update_document_kind(
    *,
    uow: UnitOfWork,
    actor: Actor,
    kind_id: str,
    expected_version: int,
    changes: dict[str, object],
) -> DocumentKind:
    """Rename, archive or restore a document kind as of the version the admin read."""
    with uow:
        kind = change(
            uow,
            actor=actor,
            model=DocumentKind,
            row_id=kind_id,
            expected_version=expected_version,
            changes=changes,
            what=WHAT,
            subject=SUBJECT,
        )
        uow.commit()
    return kind
