"""Knowledge entries over REST: any staff member reads them, admins change them.

Every change reaches the agent's knowledge index before the response is sent.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, Field

from api.bootstrap import frontdesk_of
from api.catalog_item_routes import SLUG, tagged_read
from api.conventions import Admin, Changes, IfMatch, Page, PageQuery, StaffMember, page
from api.knowledge_sync import knowledge_sync_of
from domain.catalog.knowledge import (
    create_knowledge_entry,
    delete_knowledge_entry,
    get_knowledge_entry,
    page_knowledge,
    update_knowledge_entry,
)

Title = Annotated[str, Field(min_length=1, max_length=200)]
Text = Annotated[str, Field(min_length=1, max_length=20_000)]


class KnowledgeCreate(BaseModel):
    id: Annotated[str, Field(pattern=SLUG, examples=["parking"])]
    title: Title
    text: Text


class KnowledgeUpdate(Changes):
    title: Title | None = None
    text: Text | None = None


class KnowledgeRead(BaseModel):
    id: str
    title: str
    text: str
    version: int


knowledge_router = APIRouter(prefix="/knowledge", tags=["knowledge"])


def _reindex(request: Request, entry_id: str) -> None:
    sync = knowledge_sync_of(request)
    if sync is not None:
        sync.refresh_knowledge(entry_id)


@knowledge_router.get("", response_model=Page[KnowledgeRead])
def list_knowledge(
    request: Request,
    _: StaffMember,
    paged: PageQuery,
    q: Annotated[str | None, Query(max_length=200, description="Part of title or text")] = None,
) -> Page[KnowledgeRead]:
    """Knowledge entries by id."""
    found, total = page_knowledge(
        uow=frontdesk_of(request).uow(), search=q, limit=paged.limit, offset=paged.offset
    )
    items = [KnowledgeRead.model_validate(e, from_attributes=True) for e in found]
    return page(items, total, paged)


@knowledge_router.post("", response_model=KnowledgeRead, status_code=201)
def create(
    request: Request, response: Response, admin: Admin, entry_in: KnowledgeCreate
) -> KnowledgeRead:
    entry = create_knowledge_entry(
        uow=frontdesk_of(request).uow(),
        staff=admin,
        entry_id=entry_in.id,
        title=entry_in.title,
        text=entry_in.text,
    )
    _reindex(request, entry.id)
    return tagged_read(KnowledgeRead, entry, response)


@knowledge_router.get("/{entry_id}", response_model=KnowledgeRead)
def read(request: Request, response: Response, _: StaffMember, entry_id: str) -> KnowledgeRead:
    entry = get_knowledge_entry(uow=frontdesk_of(request).uow(), entry_id=entry_id)
    return tagged_read(KnowledgeRead, entry, response)


@knowledge_router.patch("/{entry_id}", response_model=KnowledgeRead)
def update(
    request: Request,
    response: Response,
    admin: Admin,
    version: IfMatch,
    entry_id: str,
    entry_in: KnowledgeUpdate,
) -> KnowledgeRead:
    """Change the fields sent; `If-Match` must carry the ETag read (412 if it changed since)."""
    entry = update_knowledge_entry(
        uow=frontdesk_of(request).uow(),
        staff=admin,
        entry_id=entry_id,
        expected_version=version,
        changes=entry_in.changes(),
    )
    _reindex(request, entry.id)
    return tagged_read(KnowledgeRead, entry, response)


@knowledge_router.delete("/{entry_id}", status_code=204)
def delete(request: Request, admin: Admin, version: IfMatch, entry_id: str) -> Response:
    """Delete the entry for good; the agent no longer answers from it."""
    delete_knowledge_entry(
        uow=frontdesk_of(request).uow(),
        staff=admin,
        entry_id=entry_id,
        expected_version=version,
    )
    _reindex(request, entry_id)
    return Response(status_code=204)
