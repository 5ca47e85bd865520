"""The LangGraph agent: model node → tool node → model node …, paused before every commit."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from typing import Literal

import httpx
import openai
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, ToolCall, ToolMessage
from langchain_core.runnables import RunnableConfig
from langchain_core.tools import BaseTool
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import START, StateGraph
from langgraph.graph.state import CompiledStateGraph
from langgraph.runtime import get_runtime
from pydantic import ValidationError

from agent.context import model_prompt, system_prompt
from agent.gate import ask_then_run
from agent.models import reads_whole_transcript
from agent.state import AgentState
from agent.tool_definitions import compact_definitions
from domain.booking import holds
from domain.conversations.language import conversation_language
from domain.conversations.opening import record_usage
from domain.kernel.errors import DomainError
from domain.kernel.uow import UnitOfWork
from domain.models import BookingStatus
from prompts import render
from tools import COMMITTING
from tools.context import RunContext, as_result, caller, invoke_tool

log = logging.getLogger(__name__)
# Malformed tool calls are asked again this often before the client gets a polite fallback.
MODEL_ATTEMPTS = 3
MODEL_FAILURES = (openai.OpenAIError, httpx.HTTPError, TimeoutError)
# Tools whose results are held drafts; a turn that ends in the fallback gives unseen ones back.
HOLDING_TOOLS = frozenset({"prefill_booking", "update_booking_draft"})


FELL_BACK = "frontdesk_fell_back"  # in the response metadata of the apology for a failed model


def fell_back(message: BaseMessage) -> bool:
    """Tell whether this message is the apology sent because the model could not answer."""
    return isinstance(message, AIMessage) and bool(message.response_metadata.get(FELL_BACK))


def build_graph(
    *,
    model: BaseChatModel,
    tools: Sequence[BaseTool],
    uow: Callable[[], UnitOfWork],
    checkpointer: BaseCheckpointSaver[str] | None,
) -> CompiledStateGraph[AgentState, RunContext, AgentState, AgentState]:
    """Compile the booking agent over a chat model, its tools and a checkpointer."""
    by_name = {tool.name: tool for tool in tools}
    bound = model.bind_tools(compact_definitions(tools))
    whole_transcript = reads_whole_transcript(model)

    def call_model(state: AgentState, config: RunnableConfig) -> dict[str, list[BaseMessage]]:
        who = caller(get_runtime(RunContext).context, uow)
        language = conversation_language(uow=uow(), conversation_id=who.conversation_id)
        prompt = model_prompt(
            system_prompt(uow(), who.client_id, language),
            state["messages"],
            whole_transcript=whole_transcript,
        )
        for _ in range(MODEL_ATTEMPTS):
            try:
                reply = bound.invoke(prompt, config)
            except MODEL_FAILURES as error:
                # The client gets a polite answer, never a trace; the operator gets the cause.
                log.warning("model call failed after its retries: %s", error)
                break
            if not isinstance(reply, AIMessage):
                break
            _record_usage(uow, who.conversation_id, reply)
            if not reply.invalid_tool_calls:
                return {"messages": [reply]}
            log.warning("model sent malformed tool arguments: %s", reply.invalid_tool_calls)
        _release_unseen_holds(uow, who, state["messages"])
        # Marked, so that whoever reads the conversation (the evals) can tell it from an answer.
        apology = AIMessage(
            render("fallback", language=language), response_metadata={FELL_BACK: True}
        )
        return {"messages": [apology]}

    def run_tools(state: AgentState, config: RunnableConfig) -> dict[str, list[BaseMessage]]:
        context = get_runtime(RunContext).context
        last = state["messages"][-1]
        assert isinstance(last, AIMessage)

        def run(call: ToolCall) -> ToolMessage:
            tool = by_name.get(call["name"])
            if tool is None:
                return _tool_error(call, f"There is no tool named {call['name']!r}.")
            try:
                return invoke_tool(tool, call, context, config=config, state=state)
            except ValidationError as error:
                return _tool_error(call, f"Invalid arguments: {error.errors()[0]['msg']}.")

        results = [
            ask_then_run(call, context, uow, run) if call["name"] in COMMITTING else run(call)
            for call in last.tool_calls
        ]
        return {"messages": list(results)}

    def route(state: AgentState) -> Literal["tools", "__end__"]:
        last = state["messages"][-1]
        return "tools" if isinstance(last, AIMessage) and last.tool_calls else "__end__"

    builder = StateGraph(AgentState, context_schema=RunContext)
    builder.add_node("model", call_model)
    builder.add_node("tools", run_tools)
    builder.add_edge(START, "model")
    builder.add_conditional_edges("model", route)
    builder.add_edge("tools", "model")
    return builder.compile(checkpointer=checkpointer)


def _tool_error(call: ToolCall, message: str) -> ToolMessage:
    return ToolMessage(
        as_result({"error": message}), tool_call_id=call["id"] or "", name=call["name"]
    )


def _release_unseen_holds(
    uow: Callable[[], UnitOfWork], who: RunContext, messages: Sequence[BaseMessage]
) -> None:
    """Give back the slots held since the client last heard from us: no half-made booking."""
    unseen: set[str] = set()
    for message in messages:
        if isinstance(message, AIMessage) and (
            message.content or any(call["name"] in COMMITTING for call in message.tool_calls)
        ):
            unseen.clear()  # a reply or a confirmation question showed the client what was held
        elif isinstance(message, ToolMessage) and message.name in HOLDING_TOOLS:
            unseen |= _held_booking(message)
    for booking_id in unseen:
        try:
            holds.release_hold(uow=uow(), actor=who.actor, booking_id=booking_id)
        except DomainError as error:
            log.info("kept booking %s after the fallback: %s", booking_id, error.message)


def _held_booking(message: ToolMessage) -> set[str]:
    try:
        result = json.loads(str(message.content))
    except ValueError:
        return set()
    if isinstance(result, dict) and result.get("status") == BookingStatus.HOLD:
        return {str(result["booking_id"])}
    return set()


def _record_usage(uow: Callable[[], UnitOfWork], conversation_id: str, reply: AIMessage) -> None:
    usage = reply.usage_metadata
    if not usage:
        return
    record_usage(
        uow=uow(),
        conversation_id=conversation_id,
        model=str(reply.response_metadata.get("model_name", "unknown")),
        prompt_tokens=usage.get("input_tokens", 0),
        completion_tokens=usage.get("output_tokens", 0),
    )
