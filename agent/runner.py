"""One conversational turn: deliver the client's message (or answer) and collect the replies."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    HumanMessage,
    ToolMessage,
)
from langchain_core.runnables import RunnableConfig
from langgraph.graph.state import CompiledStateGraph
from langgraph.types import Command

from agent.language.detection import hear
from agent.state import AgentState
from domain.conversations.language import settle_language
from domain.conversations.opening import open_conversation
from domain.kernel.uow import UnitOfWork
from tools.context import RunContext

# Pieces of a reply as the model forms them: (reply id, text).
DeltaSink = Callable[[str, str], None]
HANDED_OVER = json.dumps(
    {
        "done": False,
        "note": "A person at the practice took the conversation over; nothing was changed.",
    }
)


@dataclass(frozen=True)
class Reply:
    id: str
    text: str


@dataclass(frozen=True)
class ToolUse:
    """A tool the agent called this turn, with what it answered (for the console)."""

    name: str
    args: dict[str, Any]
    result: Any


@dataclass(frozen=True)
class Turn:
    """What the agent said this turn; `question` is set while it waits for a yes or no."""

    said: list[Reply]
    question: dict[str, Any] | None = None
    # The tools that answered this turn, with their results.
    tools: list[ToolUse] = field(default_factory=list)

    @property
    def replies(self) -> list[str]:
        return [reply.text for reply in self.said]

    # The calls the model made this turn (a committing one runs on the next answer).
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    # The language the turn was answered in (buttons and cards are shown in it too).
    language: str = "en"


@dataclass(frozen=True)
class Said:
    """Something said while a person held the conversation, for the agent's context."""

    by_client: bool
    text: str
    name: str | None = None
    # The transcript entry it came from: put in the context again, it replaces itself.
    entry_id: int | None = None


class ConversationAgent:
    """Runs the graph for a conversation, resuming it when it paused for a confirmation."""

    def __init__(
        self,
        graph: CompiledStateGraph[AgentState, RunContext, AgentState, AgentState],
        uow: Callable[[], UnitOfWork],
    ) -> None:
        self.graph = graph
        self.uow = uow

    def send(
        self,
        *,
        conversation_id: str,
        client_id: str | None,
        channel: str,
        text: str,
        on_delta: DeltaSink | None = None,
        entry_id: int | None = None,
    ) -> Turn:
        """Deliver one client message and return the agent's answer to it.

        `entry_id` names the transcript entry the message is, when it was recorded earlier: a
        retry after a failed turn then replaces the message instead of saying it twice.
        """
        open_conversation(
            uow=self.uow(), conversation_id=conversation_id, channel=channel, client_id=client_id
        )
        config = _thread(conversation_id)
        context = RunContext(conversation_id=conversation_id, channel=channel, client_id=client_id)
        before = self.graph.get_state(config)
        seen = len(before.values.get("messages", [])) if before.values else 0
        language = settle_language(
            uow=self.uow(), conversation_id=conversation_id, heard=hear(text), under_way=seen > 0
        )
        given: Command[Any] | AgentState = (
            Command(resume=text)
            if before.interrupts
            else AgentState(messages=[HumanMessage(text, id=_entry_message_id(entry_id))])
        )
        if on_delta is None:
            self.graph.invoke(given, config, context=context)
        else:
            # Streaming asks the model for its reply piece by piece (OpenAI's server-sent events).
            for chunk, _ in self.graph.stream(
                given, config, context=context, stream_mode="messages"
            ):
                if isinstance(chunk, AIMessageChunk) and chunk.content:
                    on_delta(str(chunk.id), str(chunk.content))
        after = self.graph.get_state(config)
        messages = after.values.get("messages", [])
        new = messages[seen:]
        said = [
            Reply(str(m.id), str(m.content)) for m in new if isinstance(m, AIMessage) and m.content
        ]
        question = dict(after.interrupts[0].value) if after.interrupts else None
        if question is not None:
            said.append(Reply(f"question-{after.interrupts[0].id}", str(question["question"])))
        calls = [dict(call) for m in new if isinstance(m, AIMessage) for call in m.tool_calls]
        return Turn(
            said=said,
            question=question,
            tools=_tool_uses(messages, seen),
            tool_calls=calls,
            language=language,
        )

    def catch_up(self, *, conversation_id: str, said: Sequence[Said]) -> None:
        """Put what was said while a person held the conversation into the agent's context.

        A confirmation the agent was waiting for when the person took over is answered as
        "nothing changed", so the agent starts afresh from the client's next message.
        """
        config = _thread(conversation_id)
        state = self.graph.get_state(config)
        closing: list[BaseMessage] = []
        if state.interrupts:
            last = state.values["messages"][-1]
            answered = {
                m.tool_call_id for m in state.values["messages"] if isinstance(m, ToolMessage)
            }
            closing = [
                ToolMessage(HANDED_OVER, tool_call_id=call["id"] or "", name=call["name"])
                for call in getattr(last, "tool_calls", [])
                if call["id"] not in answered
            ]
        context: list[BaseMessage] = [
            HumanMessage(s.text, id=_entry_message_id(s.entry_id))
            if s.by_client
            else AIMessage(s.text, name=_speaker(s.name), id=_entry_message_id(s.entry_id))
            for s in said
        ]
        if closing or context:
            self.graph.update_state(config, {"messages": [*closing, *context]}, as_node="model")


def _thread(conversation_id: str) -> RunnableConfig:
    """The run config: only the thread the checkpointer keeps the conversation under.

    Who is talking travels separately, as the run's typed context (tools.context.RunContext).
    """
    return {"configurable": {"thread_id": conversation_id}}


def _entry_message_id(entry_id: int | None) -> str | None:
    return None if entry_id is None else f"entry-{entry_id}"


def _speaker(name: str | None) -> str:
    # OpenAI accepts only [a-zA-Z0-9_-] in a message's name.
    return "".join(c if c.isalnum() else "_" for c in (name or "staff"))[:64] or "staff"


def _tool_uses(messages: Sequence[BaseMessage], seen: int) -> list[ToolUse]:
    """The tools that answered this turn (a confirmed call was asked for in an earlier one)."""
    calls = {
        call["id"]: call for m in messages if isinstance(m, AIMessage) for call in m.tool_calls
    }
    uses = []
    for message in messages[seen:]:
        if not isinstance(message, ToolMessage) or message.tool_call_id not in calls:
            continue
        call = calls[message.tool_call_id]
        try:
            result = json.loads(str(message.content))
        except ValueError:
            result = message.content
        uses.append(ToolUse(call["name"], dict(call["args"]), result))
    return uses
