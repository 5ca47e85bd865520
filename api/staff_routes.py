"""Staff accounts over REST, for admins: list them, sign them out everywhere, deactivate them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from anyio import to_thread
from fastapi import APIRouter, Path, Request
from pydantic import BaseModel

from api.bootstrap import frontdesk_of
from api.conventions import REFERENCE, Admin, Page, PageQuery, page
from domain.models import StaffUser
from domain.staff.administration import deactivate_staff, page_staff_accounts, sign_out_everywhere

StaffId = Annotated[str, Path(pattern=REFERENCE)]


class StaffAccountRead(BaseModel):
    id: str
    email: str
    name: str
    role: str
    provider_id: str | None
    active: bool


staff_router = APIRouter(prefix="/staff", tags=["staff"])


def _read(account: StaffUser) -> StaffAccountRead:
    return StaffAccountRead.model_validate(account, from_attributes=True)


def _end_consoles(request: Request, staff_id: str) -> None:
    end_consoles: Callable[[str], None] = request.app.state.end_consoles_of
    end_consoles(staff_id)


@staff_router.get("", response_model=Page[StaffAccountRead])
def list_staff_accounts(request: Request, admin: Admin, paged: PageQuery) -> Page[StaffAccountRead]:
    """Every staff account, deactivated ones too, by name."""
    found, total = page_staff_accounts(
        uow=frontdesk_of(request).uow(), staff=admin, limit=paged.limit, offset=paged.offset
    )
    return page([_read(account) for account in found], total, paged)


@staff_router.post("/{staff_id}/sign-out", response_model=StaffAccountRead)
async def sign_out_everywhere_now(
    request: Request, admin: Admin, staff_id: StaffId
) -> StaffAccountRead:
    """End every token and open console of the account at once; it may sign in again."""
    frontdesk = frontdesk_of(request)
    account = await to_thread.run_sync(
        lambda: sign_out_everywhere(uow=frontdesk.uow(), staff=admin, staff_id=staff_id)
    )
    _end_consoles(request, staff_id)
    return _read(account)


@staff_router.post("/{staff_id}/deactivate", response_model=StaffAccountRead)
async def deactivate(request: Request, admin: Admin, staff_id: StaffId) -> StaffAccountRead:
    """Deactivate the account: no more sign-ins, and every token and open console ends now."""
    frontdesk = frontdesk_of(request)
    account = await to_thread.run_sync(
        lambda: deactivate_staff(uow=frontdesk.uow(), staff=admin, staff_id=staff_id)
    )
    _end_consoles(request, staff_id)
    return _read(account)
