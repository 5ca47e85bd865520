"""Conventions every admin resource follows: roles, pages, ETag / If-Match."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, ClassVar, Generic, TypeVar

from fastapi import Depends, Header, HTTPException, Query, Request, Response
from pydantic import BaseModel, model_validator

from api.auth import current_staff
from api.bootstrap import Serving
from channels.hub import Hub
from domain.kernel.paging import MAX_PAGE
from domain.models import StaffUser
from domain.staff.access import is_admin

T = TypeVar("T")
# Far past any real list, well inside the databases' 64-bit integers.
MAX_OFFSET = 10_000_000

StaffMember = Annotated[StaffUser, Depends(current_staff)]
# Ids the service makes (uuid hex) or a world file names: what a path or filter may carry.
REFERENCE = r"^[A-Za-z0-9_-]{1,64}$"


def hub_of(request: Request) -> Hub:
    """The conversation hub the app opened at startup."""
    serving: Serving = request.app.state.serving
    return serving.hub


def current_admin(staff: StaffMember) -> StaffUser:
    """The signed-in staff member, who must be an admin (403 otherwise)."""
    if not is_admin(staff):
        raise HTTPException(403, "Only an admin may do that.")
    return staff


Admin = Annotated[StaffUser, Depends(current_admin)]


@dataclass(frozen=True)
class Paging:
    limit: int
    offset: int


def paging(
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE, description="Page size")] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Rows to skip")] = 0,
) -> Paging:
    return Paging(limit=limit, offset=offset)


PageQuery = Annotated[Paging, Depends(paging)]


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int


def page(items: list[T], total: int, paged: Paging) -> Page[T]:
    return Page[T](items=items, total=total, limit=paged.limit, offset=paged.offset)


def expected_version(
    if_match: Annotated[
        str | None,
        Header(description='The ETag of the version you read, e.g. "3": a newer one is refused.'),
    ] = None,
) -> int:
    """The version a change was made from, from If-Match (428 without it, 412 when unreadable)."""
    if if_match is None:
        raise HTTPException(
            428, "Send If-Match with the ETag you read, so no one's change is overwritten."
        )
    tag = if_match.strip().removeprefix("W/").strip('"')
    if not (tag.isascii() and tag.isdigit()):
        raise HTTPException(412, f"If-Match {if_match!r} is not an ETag this API gave out.")
    return int(tag)


IfMatch = Annotated[int, Depends(expected_version)]


def tagged(response: Response, version: int) -> None:
    """Set the ETag a later If-Match must send."""
    response.headers["ETag"] = f'"{version}"'


class Changes(BaseModel):
    """An XUpdate schema: fields left out stay as they are; null only where it means "none"."""

    nullable: ClassVar[frozenset[str]] = frozenset()

    @model_validator(mode="before")
    @classmethod
    def _refuse_nulls(cls, data: Any) -> Any:
        if isinstance(data, dict):
            nulled = sorted(k for k, v in data.items() if v is None and k not in cls.nullable)
            if nulled:
                raise ValueError(f"{', '.join(nulled)} cannot be null; leave it out to keep it")
        return data

    def changes(self) -> dict[str, Any]:
        return self.model_dump(exclude_unset=True)
