"""What each staff role may see and change: admins everything, providers their own."""

from __future__ import annotations

from sqlalchemy import ColumnElement, Exists, exists
from sqlalchemy.orm import Mapped
from sqlmodel import col, select

from domain.kernel.actors import Actor
from domain.kernel.errors import Forbidden, NotFound
from domain.kernel.uow import UnitOfWork
from domain.models import AuditEvent, Booking, BookingStatus, StaffRole, StaffUser

# Bookings that were real appointments: confirmed, and perhaps since completed, missed or
# cancelled (only a confirmed booking can be cancelled). Holds, released and expired ones were
# never agreed, so they give a provider nothing.
APPOINTMENT_STATUSES = (
    BookingStatus.CONFIRMED,
    BookingStatus.COMPLETED,
    BookingStatus.NO_SHOW,
    BookingStatus.CANCELLED,
)


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


def had_appointment_with(
    provider_id: str, client_id: ColumnElement[str] | Mapped[str] | str
) -> Exists:
    """The condition that the client had an appointment (not merely a hold) with the provider.

    `client_id` is a client's id or a client id column, so lists can use it as a correlated
    EXISTS.
    """
    return exists().where(
        col(Booking.client_id) == client_id,
        col(Booking.provider_id) == provider_id,
        col(Booking.status).in_(APPOINTMENT_STATUSES),
    )


def require_client_access(uow: UnitOfWork, staff: StaffUser, client_id: str) -> None:
    """Admins see every client; a provider only clients who had an appointment with them.

    A cancelled appointment still counts: it was confirmed, so the provider was given the
    client's details then and may need them after (a fee, a follow-up). A hold, or a booking
    released or expired before confirming, never counts. Refused as "not found", so a provider
    cannot probe which clients exist.
    """
    limit = own_provider(staff)
    if limit is None:
        return
    if not uow.session.exec(select(had_appointment_with(limit, client_id))).one():
        raise NotFound(f"No client '{client_id}'.")


def may_book_for(uow: UnitOfWork, staff: StaffUser, client_id: str) -> bool:
    """Tell whether this staff member may book for the client (which may not exist).

    Admins may book for anyone. A provider may book for a client already theirs (see
    require_client_access) or one that a staff account of theirs registered (a caller on the
    phone): booking must never be the way a provider reaches a client someone else serves.
    """
    limit = own_provider(staff)
    if limit is None:
        return True
    their_staff = select(StaffUser.id).where(col(StaffUser.provider_id) == limit)
    registered_by_them = exists().where(
        col(AuditEvent.action) == "client.registered",
        col(AuditEvent.subject_id) == client_id,
        col(AuditEvent.actor_kind) == "staff",
        col(AuditEvent.actor_id).in_(their_staff),
    )
    query = select(had_appointment_with(limit, client_id) | registered_by_them)
    return bool(uow.session.exec(query).one())
