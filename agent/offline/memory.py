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

NOW_LINE = re.compile(r"Current local time: (\S+)")
TASK_KEY = "frontdesk_task"


@dataclass(frozen=True)
class Slot:
    provider_id: str
    provider: str
    service_id: str
    service: str
    start: str  # ISO with offset, as check_slots gave it
    label: str

    @property
    def starts_at(self) -> datetime:
        return datetime.fromisoformat(self.start)


@dataclass
class Memory:
    now: datetime
    last_human: str = ""
    # The task the agent is working on, set by its own earlier tool calls.
    task: dict[str, Any] = field(default_factory=dict)
    # Tool results of this turn (since the last client message), by tool name, latest last.
    results: list[tuple[str, Any, dict[str, Any]]] = field(default_factory=list)
    offer: list[Slot] = field(default_factory=list)
    offer_args: dict[str, Any] = field(default_factory=dict)
    draft: dict[str, Any] | None = None
    bookings: list[dict[str, Any]] = field(default_factory=list)
    providers: list[dict[str, Any]] = field(default_factory=list)

    @property
    def live_draft(self) -> dict[str, Any] | None:
        return self.draft if self.draft and self.draft.get("status") == "hold" else None


def _content(message: ToolMessage) -> Any:
    try:
        return json.loads(str(message.content))
    except json.JSONDecodeError:
        return {"error": str(message.content)}


def read_memory(messages: list[BaseMessage]) -> Memory:
    """Replay the transcript into what the next decision needs."""
    now = datetime.now().astimezone()
    for message in messages:
        if isinstance(message, SystemMessage):
            found = NOW_LINE.search(str(message.content))
            if found:
                now = datetime.fromisoformat(found.group(1))
    memory = Memory(now=now)
    calls: dict[str, dict[str, Any]] = {}
    for message in messages:
        if isinstance(message, HumanMessage):
            memory.last_human = str(message.content)
            memory.results = []
        elif isinstance(message, AIMessage):
            if TASK_KEY in message.additional_kwargs:
                memory.task = dict(message.additional_kwargs[TASK_KEY])
            for call in message.tool_calls:
                calls[call["id"] or ""] = dict(call["args"])
        elif isinstance(message, ToolMessage):
            _remember(
                memory, str(message.name), _content(message), calls.get(message.tool_call_id, {})
            )
    return memory


def _remember(memory: Memory, tool: str, result: Any, args: dict[str, Any]) -> None:
    if isinstance(result, dict) and "client_answer" in result:
        # The client answered a confirmation question: that answer starts a new turn.
        memory.last_human = str(result["client_answer"])
        memory.results = []
        if result.get("verdict") == "no" and tool == "confirm_booking" and memory.draft:
            memory.draft = {**memory.draft, "status": "released"}
    memory.results.append((tool, result, args))
    if isinstance(result, dict) and ("error" in result or "client_answer" in result):
        return
    if tool == "check_slots" and isinstance(result, list):
        memory.offer = [
            Slot(
                provider_id=group["provider_id"],
                provider=group["provider"],
                service_id=group["service_id"],
                service=group["service"],
                start=start["start"],
                label=start["label"],
            )
            for group in result
            for start in group["starts"]
        ]
        memory.offer.sort(key=lambda slot: (slot.starts_at, slot.provider))
        memory.offer_args = args
    elif (
        tool in {"prefill_booking", "update_booking_draft", "confirm_booking"}
        and isinstance(result, dict)
        and "booking_id" in result
    ):
        memory.draft = result
    elif tool == "list_bookings" and isinstance(result, list):
        memory.bookings = result
    elif tool == "search_providers" and isinstance(result, list):
        memory.providers = result
