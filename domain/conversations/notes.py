"""What a client asks to be passed on to the practice, kept where staff read the conversation.

"I'm running 10 minutes late" needs no person to take the conversation over; it needs the
practice to know. The note is a line of the transcript (the console shows it among the
messages, marked as a note for staff) and a line of the audit log; the conversation stays with
the agent.
"""

from __future__ import annotations

from domain.conversations.transcripts import append_entry
from domain.kernel.actors import Actor
from domain.kernel.errors import InvalidInput, NotFound
from domain.kernel.journal import audit
from domain.kernel.uow import UnitOfWork
from domain.models import Conversation, ConversationEntry, EntryAuthor

NOTE_EVENT = "note_for_staff"
MAX_NOTE = 500


def note_for_staff(
    *, uow: UnitOfWork, actor: Actor, conversation_id: str, note: str
) -> ConversationEntry:
    """Write a client's message for the practice into the conversation, for staff to read."""
    text = " ".join(note.split())
    if not text:
        raise InvalidInput("Say what the practice should be told.")
    with uow:
        conversation = uow.session.get(Conversation, conversation_id)
        if conversation is None or (actor.is_client and conversation.client_id != actor.id):
            raise NotFound("No such conversation.")
        entry = append_entry(
            uow,
            conversation,
            EntryAuthor.SYSTEM,
            f"Note for the practice: {text[:MAX_NOTE]}",
            extra={"event": NOTE_EVENT, "note": text[:MAX_NOTE]},
        )
        conversation.updated_at = uow.now()
        audit(
            uow,
            actor=actor,
            action=f"conversation.{NOTE_EVENT}",
            subject_type="conversation",
            subject_id=conversation.id,
            details={"note": text[:MAX_NOTE]},
        )
        uow.commit()
        return entry
