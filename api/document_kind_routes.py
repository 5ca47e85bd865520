"""Document kinds over REST: any staff member reads them, admins change them."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field

from api.catalog_item_routes import SLUG, named_item_router
from api.conventions import Changes
from domain.catalog.document_kinds import DOCUMENT_KINDS


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


document_kind_router = named_item_router(
    DOCUMENT_KINDS,
    prefix="/document-kinds",
    key="kind_id",
    read_schema=DocumentKindRead,
    create_schema=DocumentKindCreate,
    update_schema=DocumentKindUpdate,
    listing="Document kinds by id; archived ones only when asked (`archived=true`, or omit "
    "for both).",
    archiving="Archive the kind: services asking for it keep it; new ones cannot (restore with "
    "PATCH).",
)
