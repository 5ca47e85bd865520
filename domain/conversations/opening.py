"""Conversations: opening them, handing them to a person, and the tokens they spend."""

from __future__ import annotations

from domain.kernel.actors import Actor
from domain.kernel.errors import NotFound
from domain.kernel.journal import audit, enqueue
from domain.kernel.uow import UnitOfWork
from domain.models import Conversation, ConversationStatus, TurnUsage


def open_conversation(
    *, uow: UnitOfWork, conversation_id: str, channel: str, client_id: str | None
) -> Conversation:
    """Return the conversation with this id, starting it if it is new."""
    with uow:
        conversation = uow.session.get(Conversation, conversation_id)
        if conversation is None:
            now = uow.now()
            conversation = Conversation(
                id=conversation_id,
                channel=channel,
                client_id=client_id,
                created_at=now,
                updated_at=now,
            )
            uow.session.add(conversation)
            uow.commit()
        return conversation


def request_handoff(
    *, uow: UnitOfWork, actor: Actor, conversation_id: str, reason: str
) -> Conversation:
    """Mark a conversation as waiting for a person; staff hear of it through the outbox."""
    with uow:
        conversation = uow.session.get(Conversation, conversation_id)
        if conversation is None or (actor.is_client and conversation.client_id != actor.id):
            raise NotFound("No such conversation.")
        if conversation.status == ConversationStatus.BOT:
            conversation.status = ConversationStatus.WAITING_FOR_HUMAN
            conversation.handoff_reason = reason[:500]
            conversation.updated_at = uow.now()
            audit(
                uow,
                actor=actor,
                action="conversation.handoff_requested",
                subject_type="conversation",
                subject_id=conversation.id,
                details={"reason": reason[:500]},
            )
            enqueue(
                uow,
                event="conversation.handoff_requested",
                subject_id=conversation.id,
                payload={"conversation_id": conversation.id, "reason": reason[:500]},
            )
            uow.commit()
        return conversation


def record_usage(
    *,
    uow: UnitOfWork,
    conversation_id: str,
    model: str,
    prompt_tokens: int,
    completion_tokens: int,
) -> None:
    with uow:
        uow.session.add(
            TurnUsage(
                conversation_id=conversation_id,
                at=uow.now(),
                model=model,
                prompt_tokens=prompt_tokens,
                completion_tokens=completion_tokens,
            )
        )
        uow.commit()
