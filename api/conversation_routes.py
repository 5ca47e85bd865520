"""Conversations for staff over REST: the list with filters and pages, one, its transcript."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel

from api.auth import current_staff
from api.bootstrap import frontdesk_of
from domain.errors import NotFound
from domain.models import Conversation, StaffUser
from domain.transcripts import page_conversations, read_transcript

Status = Literal["bot", "waiting_for_human", "human", "closed"]
Channel = Literal["web", "telegram", "sms"]


class ConversationRead(BaseModel):
    id: str
    channel: str
    status: str
    client_id: str | None
    held_by: str | None
    handoff_reason: str
    last_message: str
    created_at: datetime
    updated_at: datetime


class ConversationPage(BaseModel):
    items: list[ConversationRead]
    total: int
    limit: int
    offset: int


class EntryRead(BaseModel):
    id: int
    at: datetime
    author: str
    staff_id: str | None
    text: str
    extra: dict[str, Any]


conversation_router = APIRouter(prefix="/conversations", tags=["conversations"])
Staff = Annotated[StaffUser, Depends(current_staff)]


@conversation_router.get("", response_model=ConversationPage)
def list_conversations(
    request: Request,
    _: Staff,
    status: Annotated[list[Status] | None, Query()] = None,
    channel: Channel | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> ConversationPage:
    """Conversations, most recently active first; `status` may be given several times."""
    found, total = page_conversations(
        uow=frontdesk_of(request).uow(),
        statuses=status,
        channel=channel,
        limit=limit,
        offset=offset,
    )
    items = [ConversationRead.model_validate(c, from_attributes=True) for c in found]
    return ConversationPage(items=items, total=total, limit=limit, offset=offset)


@conversation_router.get("/{conversation_id}", response_model=ConversationRead)
def get_conversation(request: Request, _: Staff, conversation_id: str) -> Conversation:
    with frontdesk_of(request).uow().reading() as reader:
        conversation = reader.session.get(Conversation, conversation_id)
    if conversation is None:
        raise NotFound("No such conversation.")
    return conversation


@conversation_router.get("/{conversation_id}/entries", response_model=list[EntryRead])
def conversation_entries(
    request: Request,
    staff: Staff,
    conversation_id: str,
    limit: Annotated[int, Query(ge=1, le=1000)] = 500,
) -> list[EntryRead]:
    """The transcript, oldest first, tool calls included; every read is audited."""
    entries = read_transcript(
        uow=frontdesk_of(request).uow(),
        staff_id=staff.id,
        conversation_id=conversation_id,
        limit=limit,
    )
    return [EntryRead.model_validate(e, from_attributes=True) for e in entries]
