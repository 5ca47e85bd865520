"""What each staff role may see and change: admins everything, providers their own."""

from __future__ import annotations

from sqlmodel import col, select

from domain.actors import Actor
from domain.errors import Forbidden, NotFound
from domain.models import Booking, StaffRole, StaffUser
from domain.uow import UnitOfWork


def staff_actor(staff: StaffUser) -> Actor:
    return Actor(kind="staff", id=staff.id, channel="api")


def is_admin(staff: StaffUser) -> bool:
    return staff.role == StaffRole.ADMIN


def require_admin(staff: StaffUser) -> None:
    if not is_admin(staff):
        raise Forbidden("Only an admin may do that.")


def own_provider(staff: StaffUser) -> str | None:
    """The provider whose data this staff member is limited to; None for admins (no limit)."""
    if is_admin(staff):
        return None
    if staff.provider_id is None:
        raise Forbidden("Your account is not linked to a provider; ask an admin.")
    return staff.provider_id


def require_own_provider(staff: StaffUser, provider_id: str) -> None:
    """Admins may act on any provider; a provider only on themself."""
    limit = own_provider(staff)
    if limit is not None and limit != provider_id:
        raise Forbidden("You may only see and change your own schedule and bookings.")


def require_client_access(uow: UnitOfWork, staff: StaffUser, client_id: str) -> None:
    """Admins see every client; a provider only clients who booked with them.

    Refused as "not found", so a provider cannot probe which clients exist.
    """
    limit = own_provider(staff)
    if limit is None:
        return
    booked_with_them = uow.session.exec(
        select(Booking.id)
        .where(col(Booking.client_id) == client_id, col(Booking.provider_id) == limit)
        .limit(1)
    ).first()
    if booked_with_them is None:
        raise NotFound(f"No client '{client_id}'.")
