"""The question the agent is waiting on, as explicit dialogue state.

A client's next message is read against it first: "ok", "👍" or "ja" answer whatever was asked
last, and what that means depends on the question (book the one time offered, take the one
booking listed, say again what is still missing). An answer that reads as nothing asks the same
question again instead of starting a search or showing the help menu.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from agent.choices import Slot, shown_slots
from agent.offline.memory import Memory


class Question(StrEnum):
    NONE = "none"
    CHOOSE_TIME = "choose_time"  # offered times are listed
    CHOOSE_BOOKING = "choose_booking"  # the client's bookings are listed, to pick one
    GIVE_INTAKE = "give_intake"  # a held time waits for intake fields
    WHEN_TO_MOVE = "when_to_move"  # a booking to move is chosen, the new time is not
    ACCEPT_HELP = "accept_help"  # a colleague or other times were offered


# Replies (offline templates) that end by offering a colleague, or other times.
OFFERS_A_PERSON = frozenset({"dont_know", "no_slots", "too_late"})
OFFERS_TIMES = frozenset({"refused", "not_booked", "not_completed"})


@dataclass(frozen=True)
class Pending:
    question: Question
    times: list[Slot] = field(default_factory=list)
    bookings: list[dict[str, Any]] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)


def pending_question(memory: Memory) -> Pending:
    """Return what the agent's latest reply asked the client, from the transcript."""
    said, draft = memory.last_said, memory.live_draft
    if said == "ask_missing" and draft and draft.get("missing"):
        return Pending(Question.GIVE_INTAKE, missing=list(draft["missing"]))
    if said == "offer" and memory.offer:
        return Pending(Question.CHOOSE_TIME, times=shown_slots(memory.offer))
    if said == "which_booking" and memory.task.get("choices"):
        return Pending(Question.CHOOSE_BOOKING, bookings=list(memory.task["choices"]))
    if said == "when_to_move" and memory.task.get("booking_id"):
        return Pending(Question.WHEN_TO_MOVE)
    if said in OFFERS_A_PERSON | OFFERS_TIMES:
        return Pending(Question.ACCEPT_HELP)
    return Pending(Question.NONE)
