"""The dialogue state: what the conversation's tool results established, read back as a few lines.

The OpenAI path sends the model only the last few messages; this block carries what the turns
left out established — providers and times found, the draft and what it still misses, the
bookings discussed, a code awaited, the question the client has yet to answer — so the model
never needs the early turns, and the prompt stays the same size however long the chat runs.
It is read from the transcript alone, like the offline model's memory: nothing else to keep.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, ToolMessage

from prompts import render

MAX_PROVIDERS = 5
MAX_STARTS = 8  # per provider and service: as many as check_slots offers by default
# Offers of different days or providers kept side by side ("Thursday? No: Tuesday then").
MAX_OFFERS = 3
MAX_BOOKINGS = 6
COMMITTING_ANSWERED = "client_answer"  # the gate's result when the client did not say yes
HOLDING = ("prefill_booking", "update_booking_draft")
ACTIVE = ("hold", "confirmed")  # released and cancelled bookings need no more words
SETTLING = ("confirm_booking", "cancel_booking", "reschedule_booking")
PROVIDERS = "providers"  # the key under which the latest providers found were noted


@dataclass
class DialogueState:
    providers: list[dict[str, Any]] = field(default_factory=list)
    # The latest starts offered per (provider, service, days), the latest last.
    offers: dict[tuple[str, str, str], list[str]] = field(default_factory=dict)
    # Every booking a result named, by id, as the latest result described it, the latest last.
    bookings: dict[str, dict[str, Any]] = field(default_factory=dict)
    draft_id: str | None = None
    discussed_id: str | None = None
    identity: dict[str, Any] | None = None
    answer: dict[str, Any] | None = None  # the client's latest answer other than yes
    documents: list[str] = field(default_factory=list)
    notifications: str | None = None
    handed_over: bool = False
    # The index of the message each offer, booking or list of providers was last read from.
    noted_at: dict[Any, int] = field(default_factory=dict)
    # The message index of each kind of open question, to tell which is the latest.
    asked: dict[str, int] = field(default_factory=dict)

    @property
    def established(self) -> bool:
        return bool(
            self.providers
            or self.offers
            or self.bookings
            or self.identity
            or self.answer
            or self.documents
            or self.notifications
            or self.handed_over
        )

    @property
    def draft(self) -> dict[str, Any] | None:
        found = self.bookings.get(self.draft_id or "")
        return found if found and found.get("status") == "hold" else None

    def waiting_for(self) -> str | None:
        """The question the client has yet to answer: the latest one still open."""
        open_questions = dict(self.asked)
        draft = self.draft
        if draft is None:
            open_questions.pop("draft", None)
        if self.identity is None or not self.identity.get("sent_to"):
            open_questions.pop("code", None)
        if not open_questions:
            return None
        latest = max(open_questions, key=lambda kind: open_questions[kind])
        if latest == "draft" and draft is not None:
            if draft["missing"]:
                return "intake answers: " + ", ".join(draft["missing"])
            return "the client's go-ahead for the draft's summary, then confirm_booking"
        return {
            "offer": "the client's choice among the offered starts",
            "code": "the one-time code the client was sent",
            "answer": "what the client wants instead (see their answer)",
        }.get(latest)


def dialogue_state(messages: Sequence[BaseMessage], shown_from: int | None = None) -> str | None:
    """Render what the conversation's tool results established; None before any tool ran.

    Providers, offers and bookings read from messages at `shown_from` or later are left out:
    the model is sent those messages as they are. The draft and the open question never are.
    """
    state = read_state(messages)
    if not state.established:
        return None
    shown = len(messages) if shown_from is None else shown_from

    def outside_window(key: Any) -> bool:
        return state.noted_at.get(key, -1) < shown

    draft = state.draft
    bookings = [
        (booking_id, booking)
        for booking_id, booking in state.bookings.items()
        if booking.get("status") in ACTIVE
        and not (draft and booking_id == state.draft_id)
        and outside_window(booking_id)
    ]
    return render(
        "dialogue_state",
        state=state,
        providers=state.providers if outside_window(PROVIDERS) else [],
        offers=[(key, starts) for key, starts in state.offers.items() if outside_window(key)],
        draft=draft,
        bookings=bookings[-MAX_BOOKINGS:],
        waiting_for=state.waiting_for(),
    )


def read_state(messages: Sequence[BaseMessage]) -> DialogueState:
    """Replay the tool calls and results into the latest of each thing they established."""
    state = DialogueState()
    calls: dict[str, dict[str, Any]] = {}
    for index, message in enumerate(messages):
        if isinstance(message, AIMessage):
            for call in message.tool_calls:
                calls[call["id"] or ""] = dict(call["args"])
                if call["args"].get("booking_id"):
                    state.discussed_id = str(call["args"]["booking_id"])
        elif isinstance(message, ToolMessage):
            args = calls.get(message.tool_call_id, {})
            _remember(state, str(message.name), _parsed(message), args, index)
    return state


def _remember(
    state: DialogueState, tool: str, result: Any, args: dict[str, Any], index: int
) -> None:
    if isinstance(result, dict) and COMMITTING_ANSWERED in result:
        state.answer = {"action": tool, **result}
        state.asked["answer"] = index
        if result.get("verdict") == "no" and tool == "confirm_booking" and state.draft:
            state.draft["status"] = "released"  # the gate gave the hold back
        return
    if isinstance(result, dict) and "error" in result:
        return
    if tool == "check_slots" and isinstance(result, list):
        for group in result:
            _note_offer(state, group, args, index)
        state.asked["offer"] = index
    elif tool == "search_providers" and isinstance(result, list):
        state.providers = result[:MAX_PROVIDERS]
        state.noted_at[PROVIDERS] = index
    elif tool == "list_bookings" and isinstance(result, list):
        for booking in result:
            _note_booking(state, booking, index)
    elif isinstance(result, dict) and "booking_id" in result:
        _note_changed_booking(state, tool, result, args, index)
    elif tool in ("identify_client", "verify_code") and isinstance(result, dict):
        state.identity = result
        state.asked["code"] = index
    elif tool == "request_documents" and isinstance(result, list):
        state.documents = [str(document.get("name")) for document in result]
    elif tool.endswith("notification_preferences") and isinstance(result, dict):
        state.notifications = str(result.get("summary", "")) or None
    elif tool == "handoff_to_human":
        state.handed_over = True


def _note_changed_booking(
    state: DialogueState, tool: str, result: dict[str, Any], args: dict[str, Any], index: int
) -> None:
    booking_id = str(result["booking_id"])
    moved_from = str(args.get("booking_id", booking_id))
    if moved_from != booking_id and moved_from in state.bookings:
        state.bookings[moved_from]["status"] = "released"  # moving a hold holds anew
    _note_booking(state, result, index)
    state.discussed_id = booking_id
    if tool in HOLDING:
        if booking_id != state.draft_id and moved_from == booking_id:
            state.documents = []  # a new booking under way: the last one's are told
        state.draft_id = booking_id
        state.asked["draft"] = index
    if tool in SETTLING:
        state.offers.clear()  # the offers were for this booking, now made, moved or cancelled
    elif args.get("start") or args.get("new_start"):
        # The client chose a start: other offers are answered and would only cost tokens; the
        # one chosen from stays, for "actually, make it 11".
        chosen = result.get("start_iso")
        for key in [key for key, starts in state.offers.items() if chosen not in starts]:
            del state.offers[key]
    if tool in SETTLING or args.get("start") or args.get("new_start"):
        state.asked.pop("offer", None)
    # A later result about a booking settles the answer given before it.
    state.answer = None
    state.asked.pop("answer", None)


def _note_booking(state: DialogueState, booking: dict[str, Any], index: int) -> None:
    booking_id = str(booking["booking_id"])
    state.bookings.pop(booking_id, None)  # re-inserted: the latest named comes last
    state.bookings[booking_id] = dict(booking)
    state.noted_at[booking_id] = index


def _note_offer(
    state: DialogueState, group: dict[str, Any], args: dict[str, Any], index: int
) -> None:
    days = str(args.get("date_from", ""))
    if args.get("date_to") and args["date_to"] != days:
        days = f"{days} to {args['date_to']}"
    key = (str(group.get("provider_id")), str(group.get("service_id")), days)
    state.offers.pop(key, None)
    state.offers[key] = [start["start"] for start in group.get("starts", [])][:MAX_STARTS]
    state.noted_at[key] = index
    for older in list(state.offers)[:-MAX_OFFERS]:
        del state.offers[older]


def _parsed(message: ToolMessage) -> Any:
    try:
        return json.loads(str(message.content))
    except ValueError:
        return {"error": str(message.content)}
