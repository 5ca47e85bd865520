"""What admins do to staff accounts: list them, sign them out everywhere, deactivate them."""

from __future__ import annotations

from sqlmodel import col, select

from domain.kernel.errors import InvalidInput, NotFound
from domain.kernel.journal import audit
from domain.kernel.paging import page_of
from domain.kernel.uow import UnitOfWork
from domain.models import StaffUser
from domain.staff.access import require_admin, staff_actor
from domain.staff.sessions import end_every_session


def page_staff_accounts(
    *, uow: UnitOfWork, staff: StaffUser, limit: int, offset: int
) -> tuple[list[StaffUser], int]:
    """Return a page of staff accounts, deactivated ones too, by name."""
    require_admin(staff)
    query = select(StaffUser).order_by(col(StaffUser.name), col(StaffUser.id))
    with uow.reading() as reader:
        return page_of(reader.session, query, limit=limit, offset=offset)


def sign_out_everywhere(*, uow: UnitOfWork, staff: StaffUser, staff_id: str) -> StaffUser:
    """End every token and console socket of an account; it may sign in again."""
    require_admin(staff)
    with uow:
        account = _account(uow, staff_id)
        end_every_session(
            uow, actor=staff_actor(staff), staff=account, reason="signed out by an admin"
        )
        uow.commit()
        return uow.session.get_one(StaffUser, staff_id, populate_existing=True)


def deactivate_staff(*, uow: UnitOfWork, staff: StaffUser, staff_id: str) -> StaffUser:
    """Deactivate an account: it can no longer sign in, and every token of it ends now."""
    require_admin(staff)
    if staff_id == staff.id:
        # The last admin locking themself out would leave nobody to undo it.
        raise InvalidInput("You cannot deactivate your own account; ask another admin.")
    with uow:
        account = _account(uow, staff_id)
        if account.active:
            account.active = False
            audit(
                uow,
                actor=staff_actor(staff),
                action="staff.deactivated",
                subject_type="staff",
                subject_id=account.id,
            )
            end_every_session(uow, actor=staff_actor(staff), staff=account, reason="deactivated")
            uow.commit()
        return uow.session.get_one(StaffUser, staff_id, populate_existing=True)


def _account(uow: UnitOfWork, staff_id: str) -> StaffUser:
    account = uow.session.get(StaffUser, staff_id, with_for_update=True)
    if account is None:
        raise NotFound(f"No staff account {staff_id!r}.")
    return account
