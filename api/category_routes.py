"""Categories over REST: any staff member reads them, admins change them."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field

from api.catalog_item_routes import SLUG, named_item_router
from api.conventions import Changes
from domain.catalog.categories import CATEGORIES


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


category_router = named_item_router(
    CATEGORIES,
    prefix="/categories",
    key="category_id",
    read_schema=CategoryRead,
    create_schema=CategoryCreate,
    update_schema=CategoryUpdate,
    listing="Categories by id; archived ones only when asked (`archived=true`, or omit for both).",
    archiving="Archive the category: it stays for past bookings and can be restored with PATCH.",
)
