"""What the conversation so far establishes, read back from its messages alone.

The offline model keeps no state of its own: like an LLM, it rereads the transcript, so a
restarted process continues exactly where the checkpoint left off.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolMessage

from agent.choices import Slot, offered_slots
from agent.offline.lexicon import plain_english

NOW_LINE = re.compile(r"Current local time: (\S+)")
LANGUAGE_LINE = re.compile(r"Reply language: (\w+)")
NAME_LINE = re.compile(r"^- (.+?) = (.+)$", re.M)
NAMES_HEADING = "\nNames in "
TASK_KEY = "frontdesk_task"
SAID_KEY = "frontdesk_said"
ANONYMOUS_LINE = "Client: not identified yet."


@dataclass
class Memory:
    now: datetime
    # The language replies are written in, as the system prompt states it, and the catalog's
    # names in it (original → translated) where the practice translated them.
    language: str = "en"
    names: dict[str, str] = field(default_factory=dict)
    # Hours before a start after which a client may no longer cancel or move it.
    # The client's latest message in the plain English the readers know (agent/offline/lexicon),
    # and as they wrote it, for what is kept or shown to staff verbatim.
    last_human: str = ""
    as_written: str = ""
    # The template of the agent's latest reply, when it came from the offline model.
    last_said: str | None = None
    # The task the agent is working on, set by its own earlier tool calls.
    task: dict[str, Any] = field(default_factory=dict)
    # Tool results of this turn (since the last client message), latest last.
    results: list[tuple[str, Any, dict[str, Any]]] = field(default_factory=list)
    # The starts of the latest slot search (one model step may check several providers).
    offer: list[Slot] = field(default_factory=list)
    offer_args: list[dict[str, Any]] = field(default_factory=list)
    # This turn's slot searches, one list of check_slots arguments per model step.
    searches: list[list[dict[str, Any]]] = field(default_factory=list)
    # Beside each of this turn's searches, why it found nothing with a provider; and why the
    # time asked for was not free in the latest: (reason, sentence), as the domain said it.
    none_free: list[list[tuple[str, str]]] = field(default_factory=list)
    asked_refused: list[tuple[str, str]] = field(default_factory=list)
    draft: dict[str, Any] | None = None
    # The documents requested for the latest booking made in this conversation, and for which.
    documents: list[dict[str, Any]] = field(default_factory=list)
    documents_for: dict[str, Any] | None = None
    # Nobody has proved who the client is yet; a code was sent and is awaited.
    anonymous: bool = False
    awaiting_code: bool = False

    @property
    def live_draft(self) -> dict[str, Any] | None:
        return self.draft if self.draft and self.draft.get("status") == "hold" else None


def _content(message: ToolMessage) -> Any:
    try:
        return json.loads(str(message.content))
    except json.JSONDecodeError:
        return {"error": str(message.content)}


def _read_system(memory: Memory, text: str) -> None:
    now = NOW_LINE.search(text)
    if now:
        memory.now = datetime.fromisoformat(now.group(1))
    memory.anonymous = ANONYMOUS_LINE in text
    language = LANGUAGE_LINE.search(text)
    if language:
        memory.language = language.group(1)
    if NAMES_HEADING in text:
        listed = text[text.index(NAMES_HEADING) :]
        memory.names = dict(NAME_LINE.findall(listed))


def read_memory(messages: list[BaseMessage]) -> Memory:
    """Replay the transcript into what the next decision needs."""
    memory = Memory(now=datetime.now().astimezone())
    for message in messages:
        if isinstance(message, SystemMessage):
            _read_system(memory, str(message.content))
    # Which model step made each call: the slot searches of one step form one offer.
    calls: dict[str, tuple[int, dict[str, Any]]] = {}
    offer_step = -1
    for step, message in enumerate(messages):
        if isinstance(message, HumanMessage):
            memory.as_written = str(message.content)
            memory.last_human = plain_english(memory.as_written)
            memory.results, memory.searches = [], []
            memory.none_free, memory.asked_refused = [], []
        elif isinstance(message, AIMessage):
            if TASK_KEY in message.additional_kwargs:
                memory.task = dict(message.additional_kwargs[TASK_KEY])
            if message.content:
                memory.last_said = message.additional_kwargs.get(SAID_KEY)
            for call in message.tool_calls:
                calls[call["id"] or ""] = (step, dict(call["args"]))
        elif isinstance(message, ToolMessage):
            made_by, args = calls.get(message.tool_call_id, (-1, {}))
            result = _content(message)
            if message.name == "check_slots" and isinstance(result, list):
                if made_by != offer_step:
                    memory.offer, memory.offer_args, offer_step = [], [], made_by
                    memory.searches.append([])
                    memory.none_free.append([])
                    memory.asked_refused = []
                memory.searches[-1].append(args)
                _add_offer(memory, result, args)
            _remember(memory, str(message.name), result, args)
    return memory


def _add_offer(memory: Memory, groups: list[dict[str, Any]], args: dict[str, Any]) -> None:
    memory.offer_args.append(args)
    for group in groups:
        if "why" in group:
            memory.none_free[-1].append((str(group.get("reason")), str(group["why"])))
        if "asked" in group:
            asked = group["asked"]
            memory.asked_refused.append((str(asked.get("reason")), str(asked["why"])))
    memory.offer = sorted(
        [*memory.offer, *offered_slots(groups)], key=lambda slot: (slot.starts_at, slot.provider)
    )


def _remember(memory: Memory, tool: str, result: Any, args: dict[str, Any]) -> None:
    if isinstance(result, dict) and "client_answer" in result:
        # The client answered a confirmation question: that answer starts a new turn.
        memory.as_written = str(result["client_answer"])
        memory.last_human = plain_english(memory.as_written)
        memory.results, memory.searches = [], []
        memory.none_free, memory.asked_refused = [], []
        if result.get("verdict") == "no" and tool == "confirm_booking" and memory.draft:
            memory.draft = {**memory.draft, "status": "released"}
    memory.results.append((tool, result, args))
    if tool in ("identify_client", "verify_code") and isinstance(result, dict):
        # A new record gets a code too: the visitor may type it whenever they like.
        code_out = result.get("status") == "code_sent" or bool(result.get("sent_to"))
        memory.awaiting_code = code_out or (
            memory.awaiting_code and result.get("status") != "linked"
        )
    if isinstance(result, dict) and ("error" in result or "client_answer" in result):
        return
    if (
        tool in {"prefill_booking", "update_booking_draft", "confirm_booking"}
        and isinstance(result, dict)
        and "booking_id" in result
    ):
        memory.draft = result
    elif tool == "request_documents" and isinstance(result, list):
        memory.documents, memory.documents_for = result, memory.draft
