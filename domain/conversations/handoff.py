"""Handing conversations to people: a client asks for one, staff take it over and give it back.

Staff take over, reply, hand back, transfer and close. One person holds a conversation at a
time; the row is locked while it changes hands so two providers pressing "take over" together
cannot both win. An admin may act on a conversation someone else holds (to release it when they
are away); other staff may not.
"""

from __future__ import annotations

from dataclasses import dataclass

from domain.conversations.access import require_visible
from domain.conversations.transcripts import append_entry, entry_by_external_id
from domain.kernel.actors import Actor
from domain.kernel.errors import Conflict, InvalidTransition, NotFound
from domain.kernel.journal import audit, enqueue
from domain.kernel.uow import UnitOfWork
from domain.models import (
    Conversation,
    ConversationEntry,
    ConversationStatus,
    EntryAuthor,
    StaffRole,
    StaffUser,
)


@dataclass(frozen=True)
class Handoff:
    """The conversation after it changed hands, and the transcript line saying so."""

    conversation: Conversation
    note: ConversationEntry | None  # None when nothing changed


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


def take_over(*, uow: UnitOfWork, staff_id: str, conversation_id: str) -> Handoff:
    """Make this staff member the conversation's only human; the agent falls silent."""
    with uow:
        staff, conversation = _locked(uow, staff_id, conversation_id)
        if conversation.status == ConversationStatus.HUMAN and conversation.held_by == staff.id:
            return Handoff(conversation, None)
        _refuse_if_closed(conversation)
        _refuse_if_held_by_other(uow, conversation, staff)
        return _hand_to(uow, conversation, staff, action="taken_over", by=staff)


def hand_back(*, uow: UnitOfWork, staff_id: str, conversation_id: str) -> Handoff:
    """Give the conversation the caller holds back to the agent."""
    with uow:
        staff, conversation = _locked(uow, staff_id, conversation_id)
        _refuse_if_closed(conversation)
        if conversation.status != ConversationStatus.HUMAN:
            raise InvalidTransition("Nobody has taken this conversation over.")
        _refuse_if_held_by_other(uow, conversation, staff)
        conversation.status = ConversationStatus.BOT
        conversation.held_by = None
        text = f"{staff.name} handed you back to the assistant."
        note = _note(uow, conversation, staff, "handed_back", text)
        uow.commit()
        return Handoff(conversation, note)


def transfer(*, uow: UnitOfWork, staff_id: str, conversation_id: str, to_staff_id: str) -> Handoff:
    """Give the conversation to a colleague, who then holds it."""
    with uow:
        staff, conversation = _locked(uow, staff_id, conversation_id)
        _refuse_if_closed(conversation)
        _refuse_if_held_by_other(uow, conversation, staff)
        colleague = uow.session.get(StaffUser, to_staff_id)
        if colleague is None or not colleague.active:
            raise NotFound("No such colleague.")
        return _hand_to(uow, conversation, colleague, action="transferred", by=staff)


def close(*, uow: UnitOfWork, staff_id: str, conversation_id: str) -> Handoff:
    """End the conversation; the client's next message starts a new one."""
    with uow:
        staff, conversation = _locked(uow, staff_id, conversation_id)
        if conversation.status == ConversationStatus.CLOSED:
            return Handoff(conversation, None)
        _refuse_if_held_by_other(uow, conversation, staff)
        conversation.status = ConversationStatus.CLOSED
        conversation.held_by = None
        note = _note(uow, conversation, staff, "closed", f"{staff.name} closed the conversation.")
        uow.commit()
        return Handoff(conversation, note)


def staff_reply(
    *, uow: UnitOfWork, staff_id: str, conversation_id: str, text: str, external_id: str | None
) -> ConversationEntry:
    """Record what the holder says to the client; the same reply id sent again is said once."""
    with uow:
        staff, conversation = _locked(uow, staff_id, conversation_id)
        if conversation.status != ConversationStatus.HUMAN or conversation.held_by != staff.id:
            raise Conflict("Take the conversation over before replying.")
        if external_id is not None:
            sent = entry_by_external_id(uow, conversation.id, external_id)
            if sent is not None:
                return sent
        entry = append_entry(
            uow,
            conversation,
            EntryAuthor.STAFF,
            text,
            extra={"name": staff.name},
            external_id=external_id,
            staff_id=staff.id,
            seen_by_agent=False,
        )
        uow.commit()
        return entry


def holder_name(*, uow: UnitOfWork, conversation: Conversation) -> str | None:
    if conversation.held_by is None:
        return None
    with uow.reading() as reader:
        holder = reader.session.get(StaffUser, conversation.held_by)
        return holder.name if holder else None


def _locked(uow: UnitOfWork, staff_id: str, conversation_id: str) -> tuple[StaffUser, Conversation]:
    staff = uow.session.get(StaffUser, staff_id)
    if staff is None or not staff.active:
        raise NotFound("No such staff account.")
    conversation = uow.session.get(Conversation, conversation_id, with_for_update=True)
    if conversation is None:
        raise NotFound("No such conversation.")
    require_visible(uow, staff, conversation)
    return staff, conversation


def _refuse_if_closed(conversation: Conversation) -> None:
    if conversation.status == ConversationStatus.CLOSED:
        raise InvalidTransition("This conversation is closed.")


def _refuse_if_held_by_other(uow: UnitOfWork, conversation: Conversation, staff: StaffUser) -> None:
    holder_id = conversation.held_by
    if conversation.status != ConversationStatus.HUMAN or holder_id in (None, staff.id):
        return
    if staff.role == StaffRole.ADMIN:
        return
    holder = uow.session.get(StaffUser, holder_id)
    name = holder.name if holder else "A colleague"
    raise Conflict(f"{name} has taken this conversation over.")


def _hand_to(
    uow: UnitOfWork, conversation: Conversation, to: StaffUser, *, action: str, by: StaffUser
) -> Handoff:
    conversation.status = ConversationStatus.HUMAN
    conversation.held_by = to.id
    text = f"{to.name} has joined the conversation."
    note = _note(uow, conversation, by, action, text, details={"to": to.id})
    uow.commit()
    return Handoff(conversation, note)


def _note(
    uow: UnitOfWork,
    conversation: Conversation,
    staff: StaffUser,
    action: str,
    text: str,
    details: dict[str, str] | None = None,
) -> ConversationEntry:
    """Write the change of hands into the transcript and the audit log."""
    # A change of hands is activity, though it says nothing for the list's preview.
    conversation.updated_at = uow.now()
    note = append_entry(
        uow, conversation, EntryAuthor.SYSTEM, text, extra={"event": action}, staff_id=staff.id
    )
    audit(
        uow,
        actor=Actor(kind="staff", id=staff.id, channel="console"),
        action=f"conversation.{action}",
        subject_type="conversation",
        subject_id=conversation.id,
        details=details,
    )
    return note
