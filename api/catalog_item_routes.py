"""What catalog resources share over REST: ids, the read with its ETag, the named-item routes.

No `from __future__ import annotations` here: FastAPI reads the routes' parameter types from
their annotations, and those name the schemas passed in, which only the closures can see.
"""

from typing import Annotated, Any, TypeVar, cast

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import BaseModel

from api.bootstrap import frontdesk_of
from api.conventions import Admin, Changes, IfMatch, Page, PageQuery, StaffMember, page, tagged
from domain.catalog.items import CatalogItems

# Ids are chosen by admins and appear in world files and URLs: short lowercase slugs.
SLUG = r"^[a-z0-9][a-z0-9_-]{0,63}$"

Read = TypeVar("Read", bound=BaseModel)
NamePart = Annotated[str | None, Query(max_length=200, description="Part of the name")]


def tagged_read(schema: type[Read], item: Any, response: Response) -> Read:
    """Return the item as its read schema, with the ETag a later If-Match must send."""
    read = schema.model_validate(item, from_attributes=True)
    tagged(response, getattr(read, "version"))  # noqa: B009 (every read schema has a version)
    return read


def named_item_router(
    items: CatalogItems[Any],
    *,
    prefix: str,
    key: str,
    read_schema: type[BaseModel],
    create_schema: type[BaseModel],
    update_schema: type[Changes],
    listing: str,
    archiving: str,
) -> APIRouter:
    """Routes for records that are just an id and a name: list, add, read, change, archive.

    `key` names the id in paths (`category_id`); `listing` and `archiving` document the list
    and the DELETE, which archives.
    """
    router = APIRouter(prefix=prefix, tags=["catalog"])
    one = f"/{{{key}}}"  # e.g. /{category_id}
    plural = prefix.strip("/").replace("-", "_")
    ItemId = Annotated[str, Path(alias=key)]  # noqa: N806 (a type, named as one)
    ListPage = Page[read_schema]  # type: ignore[valid-type]  # noqa: N806

    @router.get("", response_model=ListPage, description=listing, name=f"list_{plural}")
    def list_items(
        request: Request,
        _: StaffMember,
        paged: PageQuery,
        archived: bool | None = False,
        q: NamePart = None,
    ) -> Page[Any]:
        found, total = items.page(
            uow=frontdesk_of(request).uow(),
            archived=archived,
            search=q,
            limit=paged.limit,
            offset=paged.offset,
        )
        return page(
            [read_schema.model_validate(i, from_attributes=True) for i in found], total, paged
        )

    @router.post("", response_model=read_schema, status_code=201)
    def create(
        request: Request,
        response: Response,
        admin: Admin,
        item_in: create_schema,  # type: ignore[valid-type]
    ) -> Any:
        item = items.model(**cast(BaseModel, item_in).model_dump())
        added = items.add(uow=frontdesk_of(request).uow(), staff=admin, item=item)
        return tagged_read(read_schema, added, response)

    @router.get(one, response_model=read_schema)
    def read(request: Request, response: Response, _: StaffMember, item_id: ItemId) -> Any:
        item = items.get(uow=frontdesk_of(request).uow(), item_id=item_id)
        return tagged_read(read_schema, item, response)

    @router.patch(one, response_model=read_schema)
    def update(
        request: Request,
        response: Response,
        admin: Admin,
        version: IfMatch,
        item_id: ItemId,
        item_in: update_schema,  # type: ignore[valid-type]
    ) -> Any:
        """Change the fields sent; `If-Match` must carry the ETag read (412 if it changed since)."""
        item = items.change(
            uow=frontdesk_of(request).uow(),
            staff=admin,
            item_id=item_id,
            expected_version=version,
            changes=cast(Changes, item_in).changes(),
        )
        return tagged_read(read_schema, item, response)

    @router.delete(one, response_model=read_schema, description=archiving)
    def archive(
        request: Request, response: Response, admin: Admin, version: IfMatch, item_id: ItemId
    ) -> Any:
        item = items.archive(
            uow=frontdesk_of(request).uow(), staff=admin, item_id=item_id, expected_version=version
        )
        return tagged_read(read_schema, item, response)

    return router
