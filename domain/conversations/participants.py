"""Who a conversation is with: the client it was linked to, once they said who they are."""

from __future__ import annotations

from domain.kernel.uow import UnitOfWork
from domain.models import Conversation


def client_of_conversation(*, uow: UnitOfWork, conversation_id: str) -> str | None:
    """Return the id of the client this conversation is with; None while they are unknown.

    None also for a conversation not started yet: nobody has said who they are in it.
    """
    with uow.reading() as reader:
        conversation = reader.session.get(Conversation, conversation_id)
        return conversation.client_id if conversation is not None else None


def recorded_client(*, uow: UnitOfWork, conversation_id: str) -> tuple[bool, str | None]:
    """Return whether the conversation is recorded, and the id of its client if it has one."""
    with uow.reading() as reader:
        conversation = reader.session.get(Conversation, conversation_id)
        return conversation is not None, conversation.client_id if conversation else None
