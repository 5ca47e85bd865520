"""What every tool needs: the caller's identity from the run's context, and the services."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal, Protocol

from langchain_core.messages import ToolCall, ToolMessage
from langchain_core.runnables import RunnableConfig
from langchain_core.tools import BaseTool
from langgraph.prebuilt import ToolRuntime

from domain.conversations.participants import recorded_client
from domain.kernel.actors import Actor, client_actor
from domain.kernel.errors import DomainError
from domain.kernel.uow import UnitOfWork


class FoundText(Protocol):
    @property
    def kind(self) -> str: ...
    @property
    def id(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def text(self) -> str: ...
    @property
    def score(self) -> float: ...


class TextSearch(Protocol):
    def search(
        self, query: str, k: int = 3, kind: Literal["knowledge", "service"] | None = None
    ) -> Sequence[FoundText]: ...


@dataclass(frozen=True)
class ToolDeps:
    """The services tools translate into; built once by the composition root."""

    uow: Callable[[], UnitOfWork]
    knowledge: TextSearch


@dataclass(frozen=True)
class RunContext:
    """Who is talking, in which conversation, on which channel: set by the channel for a run.

    It travels through the run as LangGraph's typed context and reaches a tool as its
    `runtime`, never as an argument: the model cannot name someone else.
    """

    conversation_id: str
    channel: str
    client_id: str | None = None

    @property
    def actor(self) -> Actor:
        if self.client_id is None:
            raise DomainError(
                "I need to know who you are first: please tell me your name and your phone "
                "number or email."
            )
        return client_actor(self.client_id, self.channel)

    @property
    def visitor(self) -> Actor:
        """The caller as an actor even before they said who they are (for handing over)."""
        return Actor(kind="client", id=self.client_id, channel=self.channel)


# What a tool declares as its `runtime` parameter to be handed the run's context.
Runtime = ToolRuntime[RunContext, Any]


def caller(context: RunContext, uow: Callable[[], UnitOfWork]) -> RunContext:
    """Return who is talking: the run's context, with the client their conversation now knows.

    A visitor who proved who they are during this turn is known to their conversation before
    the channel's context is, and so is one cut off because someone else proved the contact
    they claimed: the link is read from the conversation itself whenever it has one.
    """
    recorded, client_id = recorded_client(uow=uow(), conversation_id=context.conversation_id)
    if not recorded:
        return context  # a run outside any recorded conversation (the command line's chat)
    return replace(context, client_id=client_id)


def invoke_tool(
    tool: BaseTool,
    call: ToolCall,
    context: RunContext,
    *,
    config: RunnableConfig | None = None,
    state: Any = None,
) -> ToolMessage:
    """Run a tool call for this run: the context goes in as the tool's runtime.

    Whatever the model put under `runtime` in its arguments is replaced.
    """
    runtime = Runtime(
        state=state,
        context=context,
        config=config or {},
        stream_writer=_ignore,
        tool_call_id=call["id"],
        store=None,
    )
    given: ToolCall = {**call, "args": {**call["args"], "runtime": runtime}, "type": "tool_call"}
    result = tool.invoke(given, config)
    assert isinstance(result, ToolMessage)
    return result


def _ignore(_: Any) -> None:
    """A stream writer for tools, which write nothing to the stream."""


def as_result(payload: Any) -> str:
    """Serialise a tool's answer for the model: compact, stable JSON."""
    return json.dumps(payload, ensure_ascii=False, default=str)


def refusal(error: DomainError) -> str:
    return as_result({"error": error.message, "code": error.code})
