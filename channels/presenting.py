"""How a turn looks to people: transcript entries with buttons and booking cards, summaries."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from agent.choices import choice_button, offered_slots, shown_slots
from agent.runner import ToolUse, Turn
from domain.models import Conversation, ConversationEntry, EntryAuthor
from prompts.localising import localised_price, localised_when

FormUrl = Callable[[str], str]
LISTED = re.compile(r"^\s*\d+[.)]\s")  # a numbered line: "1. Tue 3 Mar, 09:00"
# Tools after which the offered times are no longer the question.
_PAST_OFFER = frozenset(
    {"prefill_booking", "update_booking_draft", "confirm_booking", "reschedule_booking"}
)
_CARD_TOOLS = frozenset({"confirm_booking", "reschedule_booking", "cancel_booking"})


@dataclass(frozen=True)
class Said:
    """An entry to record: who said what, with its buttons, card or tool call."""

    author: EntryAuthor
    text: str
    extra: dict[str, Any] = field(default_factory=dict)


def turn_entries(turn: Turn, form_url: FormUrl) -> list[Said]:
    """The tool calls and replies of a turn; the last reply carries its buttons and card."""
    entries = [Said(EntryAuthor.TOOL, use.name, {"tool": _tool(use)}) for use in turn.tools]
    # Each reply names its language: channels word their own texts around it in the same one.
    replies = [
        Said(EntryAuthor.AGENT, r.text, {"reply_id": r.id, "language": turn.language})
        for r in turn.said
    ]
    if replies:
        last = replies[-1]
        buttons = _buttons(turn)
        card = _card(turn.tools, form_url, turn.language)
        extra = {**last.extra, "buttons": buttons, "card": card}
        documents = _requested_documents(turn.tools)
        if documents:
            extra["documents"] = documents
        replies[-1] = Said(last.author, last.text, extra)
    return entries + replies


def entry_json(entry: ConversationEntry) -> dict[str, Any]:
    """An entry as the websocket protocol sends it."""
    extra = entry.extra or {}
    return {
        "entry_id": entry.id,
        "reply_id": extra.get("reply_id") or f"entry-{entry.id}",
        "at": entry.at.isoformat(),
        "author": entry.author,
        "name": extra.get("name"),
        "text": entry.text,
        "buttons": extra.get("buttons") or [],
        "card": extra.get("card"),
        # Documents the agent asked for (each can be sent in the chat), and a file that was sent.
        "documents": extra.get("documents") or [],
        "upload": extra.get("upload"),
        "tool": extra.get("tool"),
        "language": extra.get("language"),
    }


def times_on_buttons(entry: dict[str, Any]) -> dict[str, Any]:
    """An entry as the web chat shows it: offered times on its buttons, not listed in its text.

    A reply's numbered lines are the same choices as its time buttons (agent/choices), so the
    text keeps its lead-in and question and the buttons carry the times.
    """
    if not any("start" in button for button in entry.get("buttons") or []):
        return entry
    lines = [line for line in str(entry.get("text") or "").splitlines() if not LISTED.match(line)]
    return {**entry, "text": "\n".join(line for line in lines if line.strip())}


def summary_json(
    conversation: Conversation, *, client_name: str | None, holder: dict[str, str] | None
) -> dict[str, Any]:
    """A conversation as the console's list shows it."""
    return {
        "id": conversation.id,
        "channel": conversation.channel,
        "status": conversation.status,
        "client_name": client_name,
        "held_by": holder,
        "handoff_reason": conversation.handoff_reason,
        "last_message": conversation.last_message,
        "language": conversation.language,
        "updated_at": conversation.updated_at.isoformat(),
    }


def _tool(use: ToolUse) -> dict[str, Any]:
    return {"name": use.name, "args": use.args, "result": use.result}


def _buttons(turn: Turn) -> list[dict[str, str]]:
    if turn.question is not None:
        options = turn.question.get("options", [])
        labels = turn.question.get("labels") or options
        return [{"label": label, "value": o} for label, o in zip(labels, options, strict=False)]
    offered: list[dict[str, Any]] = []
    for use in turn.tools:
        if use.name in _PAST_OFFER:
            offered = []
        elif use.name == "check_slots" and isinstance(use.result, list):
            offered += use.result
    return [
        {**button, "label": localised_when(button["label"], turn.language)}
        for button in map(choice_button, shown_slots(offered_slots(offered)))
    ]


def _card(uses: list[ToolUse], form_url: FormUrl, language: str) -> dict[str, Any] | None:
    booked = [u for u in uses if u.name in _CARD_TOOLS and _is_booking(u.result)]
    if not booked:
        return None
    summary: dict[str, Any] = booked[-1].result
    forms = [
        {"filename": form["filename"], "url": form_url(form["id"])}
        for use in uses
        if use.name == "generate_form" and isinstance(use.result, list)
        for form in use.result
    ]
    return {
        "booking_id": summary["booking_id"],
        "status": summary["status"],
        "service": summary["service"],
        "provider": summary["provider"],
        "when": localised_when(summary["start"], language),
        "location": summary["location"],
        "price": localised_price(summary["price"], summary["currency"], language),
        "forms": forms,
    }


def _requested_documents(uses: list[ToolUse]) -> list[dict[str, str]]:
    """The documents asked for this turn, as the chat offers to send each of them."""
    return [
        {
            "request_id": asked["id"],
            "kind_id": asked["kind_id"],
            "name": asked["name"],
            "status": asked["status"],
        }
        for use in uses
        if use.name == "request_documents" and isinstance(use.result, list)
        for asked in use.result
        if isinstance(asked, dict) and {"id", "kind_id", "name", "status"} <= asked.keys()
    ]


def _is_booking(result: Any) -> bool:
    return isinstance(result, dict) and "booking_id" in result and "error" not in result
