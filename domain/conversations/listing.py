"""Finding conversations: the console's chat list and the admin API's pages, one by its id."""

from __future__ import annotations

from collections.abc import Collection

from sqlmodel import col, select

from domain.conversations.access import NOT_FOUND, may_see, visible_to
from domain.kernel.errors import NotFound
from domain.kernel.paging import page_of
from domain.kernel.uow import UnitOfWork
from domain.models import Conversation, StaffUser


def page_conversations(
    *,
    uow: UnitOfWork,
    viewer: StaffUser | None,
    statuses: Collection[str] = (),
    channel: str | None = None,
    client_id: str | None = None,
    held_by: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[Conversation], int]:
    """Return a page of the conversations `viewer` may see, most recently active first, and how
    many match; `viewer` None is the system itself (the hub), which sees them all."""
    query = select(Conversation).order_by(col(Conversation.updated_at).desc(), col(Conversation.id))
    condition = None if viewer is None else visible_to(viewer)
    if condition is not None:
        query = query.where(condition)
    if statuses:
        query = query.where(col(Conversation.status).in_(list(statuses)))
    if channel:
        query = query.where(col(Conversation.channel) == channel)
    if client_id:
        query = query.where(col(Conversation.client_id) == client_id)
    if held_by:
        query = query.where(col(Conversation.held_by) == held_by)
    with uow.reading() as reader:
        return page_of(reader.session, query, limit=limit, offset=offset)


def get_conversation(*, uow: UnitOfWork, conversation_id: str) -> Conversation:
    """Return a conversation to the system itself (the hub, the channels)."""
    with uow.reading() as reader:
        conversation = reader.session.get(Conversation, conversation_id)
    if conversation is None:
        raise NotFound(NOT_FOUND)
    return conversation


def read_conversation(*, uow: UnitOfWork, staff: StaffUser, conversation_id: str) -> Conversation:
    """Return a conversation to a staff member who may see it; any other is not found."""
    with uow.reading() as reader:
        if not may_see(reader, staff, conversation_id):
            raise NotFound(NOT_FOUND)
        return reader.session.get_one(Conversation, conversation_id)
