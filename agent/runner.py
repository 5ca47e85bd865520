"""One conversational turn: deliver the client's message (or answer) and collect the replies."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from langchain_core.messages import AIMessage, HumanMessage
from langchain_core.runnables import RunnableConfig
from langgraph.graph.state import CompiledStateGraph
from langgraph.types import Command

from agent.state import AgentState
from domain.conversations import open_conversation
from domain.uow import UnitOfWork


@dataclass(frozen=True)
class Turn:
    """What the agent said this turn; `question` is set while it waits for a yes or no."""

    replies: list[str]
    question: dict[str, Any] | None = None
    tool_calls: list[dict[str, Any]] = field(default_factory=list)


class ConversationAgent:
    """Runs the graph for a conversation, resuming it when it paused for a confirmation."""

    def __init__(
        self,
        graph: CompiledStateGraph[AgentState, None, AgentState, AgentState],
        uow: Callable[[], UnitOfWork],
    ) -> None:
        self.graph = graph
        self.uow = uow

    def send(self, *, conversation_id: str, client_id: str | None, channel: str, text: str) -> Turn:
        """Deliver one client message and return the agent's answer to it."""
        open_conversation(
            uow=self.uow(), conversation_id=conversation_id, channel=channel, client_id=client_id
        )
        config: RunnableConfig = {
            "configurable": {
                "thread_id": conversation_id,
                "conversation_id": conversation_id,
                "client_id": client_id,
                "channel": channel,
            }
        }
        before = self.graph.get_state(config)
        seen = len(before.values.get("messages", [])) if before.values else 0
        if before.interrupts:
            self.graph.invoke(Command(resume=text), config)
        else:
            self.graph.invoke({"messages": [HumanMessage(text)]}, config)
        after = self.graph.get_state(config)
        new = after.values.get("messages", [])[seen:]
        replies = [str(m.content) for m in new if isinstance(m, AIMessage) and m.content]
        calls = [dict(call) for m in new if isinstance(m, AIMessage) for call in m.tool_calls]
        question = dict(after.interrupts[0].value) if after.interrupts else None
        if question is not None:
            replies.append(str(question["question"]))
        return Turn(replies=replies, question=question, tool_calls=calls)
