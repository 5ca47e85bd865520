"""Document kinds over REST: any staff member reads them, admins change them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, Field

from api.bootstrap import frontdesk_of
from api.category_routes import SLUG
from api.conventions import Admin, Changes, IfMatch, Page, PageQuery, StaffMember, page, tagged
from domain.access import staff_actor
from domain.document_kinds import (
    create_document_kind,
    get_document_kind,
    page_document_kinds,
    update_document_kind,
)
from domain.models import DocumentKind


class DocumentKindCreate(BaseModel):
    id: Annotated[str, Field(pattern=SLUG, examples=["insurance_card"])]
    name: Annotated[str, Field(min_length=1, max_length=200)]


class DocumentKindUpdate(Changes):
    name: Annotated[str | None, Field(min_length=1, max_length=200)] = None
    archived: bool | None = None


class DocumentKindRead(BaseModel):
    id: str
    name: str
    archived: bool
    version: int


document_kind_router = APIRouter(prefix="/document-kinds", tags=["catalog"])


def _read(kind: DocumentKind, response: Response) -> DocumentKindRead:
    tagged(response, kind.version)
    return DocumentKindRead.model_validate(kind, from_attributes=True)


@document_kind_router.get("", response_model=Page[DocumentKindRead])
def list_document_kinds(
    request: Request,
    _: StaffMember,
    paged: PageQuery,
    archived: bool | None = False,
    q: Annotated[str | None, Query(max_length=200, description="Part of the name")] = None,
) -> Page[DocumentKindRead]:
    """Document kinds by id; archived ones only when asked (`archived=true`, or omit for both)."""
    found, total = page_document_kinds(
        uow=frontdesk_of(request).uow(),
        archived=archived,
        search=q,
        limit=paged.limit,
        offset=paged.offset,
    )
    items = [DocumentKindRead.model_validate(k, from_attributes=True) for k in found]
    return page(items, total, paged)


@document_kind_router.post("", response_model=DocumentKindRead, status_code=201)
def create(
    request: Request, response: Response, admin: Admin, kind_in: DocumentKindCreate
) -> DocumentKindRead:
    kind = create_document_kind(
        uow=frontdesk_of(request).uow(),
        actor=staff_actor(admin),
        kind_id=kind_in.id,
        name=kind_in.name,
    )
    return _read(kind, response)


@document_kind_router.get("/{kind_id}", response_model=DocumentKindRead)
def read(request: Request, response: Response, _: StaffMember, kind_id: str) -> DocumentKindRead:
    return _read(get_document_kind(uow=frontdesk_of(request).uow(), kind_id=kind_id), response)


@document_kind_router.patch("/{kind_id}", response_model=DocumentKindRead)
def update(
    request: Request,
    response: Response,
    admin: Admin,
    version: IfMatch,
    kind_id: str,
    kind_in: DocumentKindUpdate,
) -> DocumentKindRead:
    """Change the fields sent; `If-Match` must carry the ETag read (412 if it changed since)."""
    kind = update_document_kind(
        uow=frontdesk_of(request).uow(),
        actor=staff_actor(admin),
        kind_id=kind_id,
        expected_version=version,
        changes=kind_in.changes(),
    )
    return _read(kind, response)


@document_kind_router.delete("/{kind_id}", response_model=DocumentKindRead)
def archive(
    request: Request, response: Response, admin: Admin, version: IfMatch, kind_id: str
) -> DocumentKindRead:
    """Archive the kind: services asking for it keep it; new ones cannot (restore with PATCH)."""
    kind = update_document_kind(
        uow=frontdesk_of(request).uow(),
        actor=staff_actor(admin),
        kind_id=kind_id,
        expected_version=version,
        changes={"archived": True},
    )
    return _read(kind, response)
