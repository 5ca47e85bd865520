"""Categories over REST: any staff member reads them, admins change them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, Field

from api.bootstrap import frontdesk_of
from api.conventions import Admin, Changes, IfMatch, Page, PageQuery, StaffMember, page, tagged
from domain.access import staff_actor
from domain.categories import create_category, get_category, page_categories, update_category
from domain.models import Category

# Ids are chosen by admins and appear in world files and URLs: short lowercase slugs.
SLUG = r"^[a-z0-9][a-z0-9_-]{0,63}$"


class CategoryCreate(BaseModel):
    id: Annotated[str, Field(pattern=SLUG, examples=["medical"])]
    name: Annotated[str, Field(min_length=1, max_length=200)]


class CategoryUpdate(Changes):
    name: Annotated[str | None, Field(min_length=1, max_length=200)] = None
    archived: bool | None = None


class CategoryRead(BaseModel):
    id: str
    name: str
    archived: bool
    version: int


category_router = APIRouter(prefix="/categories", tags=["catalog"])


def _read(category: Category, response: Response) -> CategoryRead:
    tagged(response, category.version)
    return CategoryRead.model_validate(category, from_attributes=True)


@category_router.get("", response_model=Page[CategoryRead])
def list_categories(
    request: Request,
    _: StaffMember,
    paged: PageQuery,
    archived: bool | None = False,
    q: Annotated[str | None, Query(max_length=200, description="Part of the name")] = None,
) -> Page[CategoryRead]:
    """Categories by id; archived ones only when asked (`archived=true`, or omit for both)."""
    found, total = page_categories(
        uow=frontdesk_of(request).uow(),
        archived=archived,
        search=q,
        limit=paged.limit,
        offset=paged.offset,
    )
    items = [CategoryRead.model_validate(c, from_attributes=True) for c in found]
    return page(items, total, paged)


@category_router.post("", response_model=CategoryRead, status_code=201)
def create(
    request: Request, response: Response, admin: Admin, category_in: CategoryCreate
) -> CategoryRead:
    category = create_category(
        uow=frontdesk_of(request).uow(),
        actor=staff_actor(admin),
        category_id=category_in.id,
        name=category_in.name,
    )
    return _read(category, response)


@category_router.get("/{category_id}", response_model=CategoryRead)
def read(request: Request, response: Response, _: StaffMember, category_id: str) -> CategoryRead:
    return _read(get_category(uow=frontdesk_of(request).uow(), category_id=category_id), response)


@category_router.patch("/{category_id}", response_model=CategoryRead)
def update(
    request: Request,
    response: Response,
    admin: Admin,
    version: IfMatch,
    category_id: str,
    category_in: CategoryUpdate,
) -> CategoryRead:
    """Change the fields sent; `If-Match` must carry the ETag read (412 if it changed since)."""
    category = update_category(
        uow=frontdesk_of(request).uow(),
        actor=staff_actor(admin),
        category_id=category_id,
        expected_version=version,
        changes=category_in.changes(),
    )
    return _read(category, response)


@category_router.delete("/{category_id}", response_model=CategoryRead)
def archive(
    request: Request, response: Response, admin: Admin, version: IfMatch, category_id: str
) -> CategoryRead:
    """Archive the category: it stays for past bookings and can be restored with PATCH."""
    category = update_category(
        uow=frontdesk_of(request).uow(),
        actor=staff_actor(admin),
        category_id=category_id,
        expected_version=version,
        changes={"archived": True},
    )
    return _read(category, response)
