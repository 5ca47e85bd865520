"""Which conversations a staff member may see: the client-visibility rule, for transcripts.

Admins see every conversation. A provider sees those waiting for a person (someone must pick
them up), those they hold or held (took over, replied in, were handed), and those of their own
clients (who had an appointment with them, as for reading a client). Anything else is "not
found", as a client outside their reach is: a transcript holds what the client record does
(dates of birth, insurance numbers in tool results), so it is guarded the same way.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, exists, or_
from sqlmodel import col, select

from domain.kernel.errors import Conflict, NotFound
from domain.kernel.uow import UnitOfWork
from domain.models import (
    Booking,
    BookingStatus,
    Conversation,
    ConversationEntry,
    ConversationStatus,
    StaffRole,
    StaffUser,
)

# The same appointments as domain.staff.access.APPOINTMENT_STATUSES (a test keeps them equal):
# conversations may not import the staff context.
APPOINTMENT_STATUSES = (
    BookingStatus.CONFIRMED,
    BookingStatus.COMPLETED,
    BookingStatus.NO_SHOW,
    BookingStatus.CANCELLED,
)
NOT_FOUND = "No such conversation."


def visible_to(staff: StaffUser) -> ColumnElement[bool] | None:
    """The condition on conversations this staff member may see; None when they see all."""
    if staff.role == StaffRole.ADMIN:
        return None
    seen: list[ColumnElement[bool]] = [
        col(Conversation.status) == ConversationStatus.WAITING_FOR_HUMAN,
        col(Conversation.held_by) == staff.id,
        exists().where(
            col(ConversationEntry.conversation_id) == col(Conversation.id),
            col(ConversationEntry.staff_id) == staff.id,
        ),
    ]
    if staff.provider_id is not None:
        seen.append(
            exists().where(
                col(Booking.client_id) == col(Conversation.client_id),
                col(Booking.provider_id) == staff.provider_id,
                col(Booking.status).in_(APPOINTMENT_STATUSES),
            )
        )
    return or_(*seen)


def may_see(uow: UnitOfWork, staff: StaffUser, conversation_id: str) -> bool:
    """Whether the conversation exists and this staff member may see it."""
    query = select(Conversation.id).where(col(Conversation.id) == conversation_id)
    condition = visible_to(staff)
    if condition is not None:
        query = query.where(condition)
    return uow.session.exec(query).first() is not None


def require_visible(uow: UnitOfWork, staff: StaffUser, conversation: Conversation) -> None:
    """Refuse a conversation the staff member may not see, as not found.

    One a colleague has taken over is out of sight because it was taken: the answer says who
    took it (the one thing a provider who saw it waiting needs to know), and nothing more.
    """
    if may_see(uow, staff, conversation.id):
        return
    if conversation.status == ConversationStatus.HUMAN and conversation.held_by is not None:
        holder = uow.session.get(StaffUser, conversation.held_by)
        raise Conflict(
            f"{holder.name if holder else 'A colleague'} has taken this conversation over."
        )
    raise NotFound(NOT_FOUND)
