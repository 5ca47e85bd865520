"""Conversations for staff over REST: the list, one, its transcript, and changing hands.

Taking over, handing back, transferring, closing and replying go through the live hub, so the
client's chat and every console see the change at once, as when it is done in the console.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from anyio import to_thread
from fastapi import APIRouter, Header, Query, Request
from pydantic import BaseModel, Field

from api.bootstrap import frontdesk_of
from api.conventions import Page, PageQuery, StaffMember, hub_of, page
from domain.conversations.listing import page_conversations, read_conversation
from domain.conversations.transcripts import read_transcript
from domain.models import StaffUser

Status = Literal["bot", "waiting_for_human", "human", "closed"]
Channel = Literal["web", "telegram", "sms"]
Id = Annotated[str, Field(min_length=1, max_length=64)]


class ConversationRead(BaseModel):
    id: str
    channel: str
    status: str
    client_id: str | None
    held_by: str | None
    handoff_reason: str
    last_message: str
    # The language the conversation is held in (en, de, ru), once known.
    language: str | None = None
    created_at: datetime
    updated_at: datetime


class EntryRead(BaseModel):
    id: int
    at: datetime
    author: str
    staff_id: str | None
    text: str
    extra: dict[str, Any]


class TransferCreate(BaseModel):
    to_staff_id: Id


class ReplyCreate(BaseModel):
    text: Annotated[str, Field(min_length=1, max_length=4000)]


conversation_router = APIRouter(prefix="/conversations", tags=["conversations"])


def _read(request: Request, staff: StaffUser, conversation_id: str) -> ConversationRead:
    conversation = read_conversation(
        uow=frontdesk_of(request).uow(), staff=staff, conversation_id=conversation_id
    )
    return ConversationRead.model_validate(conversation, from_attributes=True)


async def _read_after(request: Request, staff: StaffUser, conversation_id: str) -> ConversationRead:
    """The conversation as a change through the hub left it (read off the event loop)."""
    return await to_thread.run_sync(_read, request, staff, conversation_id)


@conversation_router.get("", response_model=Page[ConversationRead])
def list_conversations(
    request: Request,
    staff: StaffMember,
    paged: PageQuery,
    status: Annotated[list[Status] | None, Query(description="Any of these; repeatable")] = None,
    channel: Channel | None = None,
    client_id: Annotated[Id | None, Query(description="One client's conversations")] = None,
    held_by: Annotated[Id | None, Query(description="Held by this staff member")] = None,
) -> Page[ConversationRead]:
    """Conversations you may see, most recently active first.

    An admin sees all; a provider those waiting for a person, those they hold or held, and
    those of their own clients."""
    found, total = page_conversations(
        uow=frontdesk_of(request).uow(),
        viewer=staff,
        statuses=status or [],
        channel=channel,
        client_id=client_id,
        held_by=held_by,
        limit=paged.limit,
        offset=paged.offset,
    )
    items = [ConversationRead.model_validate(c, from_attributes=True) for c in found]
    return page(items, total, paged)


@conversation_router.get("/{conversation_id}", response_model=ConversationRead)
def read(request: Request, staff: StaffMember, conversation_id: str) -> ConversationRead:
    return _read(request, staff, conversation_id)


@conversation_router.get("/{conversation_id}/entries", response_model=list[EntryRead])
def conversation_entries(
    request: Request,
    staff: StaffMember,
    conversation_id: str,
    limit: Annotated[int, Query(ge=1, le=1000)] = 500,
) -> list[EntryRead]:
    """The transcript, oldest first, tool calls included; every read is audited."""
    entries = read_transcript(
        uow=frontdesk_of(request).uow(),
        staff=staff,
        conversation_id=conversation_id,
        channel="api",
        limit=limit,
    )
    return [EntryRead.model_validate(e, from_attributes=True) for e in entries]


@conversation_router.post("/{conversation_id}/take-over", response_model=ConversationRead)
async def take_over(request: Request, staff: StaffMember, conversation_id: str) -> ConversationRead:
    """Hold the conversation yourself: the agent falls silent until it is handed back."""
    await hub_of(request).take_over(staff_id=staff.id, conversation_id=conversation_id)
    return await _read_after(request, staff, conversation_id)


@conversation_router.post("/{conversation_id}/hand-back", response_model=ConversationRead)
async def hand_back(request: Request, staff: StaffMember, conversation_id: str) -> ConversationRead:
    """Give a conversation you hold (an admin: anyone's) back to the agent."""
    await hub_of(request).hand_back(staff_id=staff.id, conversation_id=conversation_id)
    return await _read_after(request, staff, conversation_id)


@conversation_router.post("/{conversation_id}/transfer", response_model=ConversationRead)
async def transfer(
    request: Request, staff: StaffMember, conversation_id: str, transfer_in: TransferCreate
) -> ConversationRead:
    """Give the conversation to a colleague, who then holds it."""
    await hub_of(request).transfer(
        staff_id=staff.id, conversation_id=conversation_id, to_staff_id=transfer_in.to_staff_id
    )
    return await _read_after(request, staff, conversation_id)


@conversation_router.post("/{conversation_id}/close", response_model=ConversationRead)
async def close(request: Request, staff: StaffMember, conversation_id: str) -> ConversationRead:
    """End the conversation; the client's next message starts a new one."""
    await hub_of(request).close(staff_id=staff.id, conversation_id=conversation_id)
    return await _read_after(request, staff, conversation_id)


@conversation_router.post("/{conversation_id}/reply", response_model=ConversationRead)
async def reply(
    request: Request,
    staff: StaffMember,
    conversation_id: str,
    reply_in: ReplyCreate,
    idempotency_key: Annotated[
        str | None,
        Header(max_length=100, description="Sent again with the same key, a reply is said once."),
    ] = None,
) -> ConversationRead:
    """Say something to the client in a conversation you have taken over."""
    await hub_of(request).staff_reply(
        staff_id=staff.id,
        conversation_id=conversation_id,
        text=reply_in.text,
        message_id=idempotency_key,
    )
    return await _read_after(request, staff, conversation_id)
