"""Conversations: opening them and the tokens their turns spend."""

from __future__ import annotations

from domain.kernel.uow import UnitOfWork
from domain.models import Conversation, TurnUsage


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
