"""A scripted OpenAI-compatible server for respx: chat-completions replies in the wire format.

`ScriptedLLM` answers each `POST {base_url}/chat/completions` with its next step and keeps every
request body, so a test (or a benchmark) can look at exactly what the model was sent. A step is a
completion (a dict), a function of the request body returning one (to use ids that tools made),
an `httpx.Response` (an error status), or an exception to raise (a timeout).
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import respx
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.checkpoint.memory import InMemorySaver

from agent.graph import build_graph
from agent.models import ModelSettings, chat_model
from agent.runner import ConversationAgent
from domain.kernel.uow import UnitOfWork
from knowledge.embeddings import MiniLMEmbedder
from knowledge.entries import entries_from_database
from knowledge.index import KnowledgeIndex
from tools import ToolDeps, make_tools
from tools.context import TextSearch

Json = dict[str, Any]
Step = Json | Callable[[Json], Json] | httpx.Response | BaseException

BASE_URL = "http://llm.test/v1"
MODEL = "gpt-4o-mini-2024-07-18"
_call_ids = itertools.count(1)
# How agent/dialogue_state.py's block (prompts/templates/dialogue_state.j2) reads.
STATE_HEADING = "Dialogue state"
OFFERED = re.compile(r"^- Offered (\S+) (\S+) [^:]*: (.*)$", re.MULTILINE)
BOOKING_LINE = re.compile(r"^- (?:Booking|Draft) ([^\s:]+)(?: \([^)]*\))?: (.*)$", re.MULTILINE)


def tool_call(name: str, args: Mapping[str, Any] | str) -> Json:
    """One tool call as the API sends it; a str is sent as the arguments verbatim (bad JSON …)."""
    arguments = args if isinstance(args, str) else json.dumps(dict(args))
    return {
        "id": f"call_{next(_call_ids):05d}",
        "type": "function",
        "function": {"name": name, "arguments": arguments},
    }


def completion(
    content: str | None = None,
    *,
    tool_calls: Sequence[Json] = (),
    prompt_tokens: int = 1000,
    completion_tokens: int = 20,
) -> Json:
    """A `chat.completion` object with one choice: a text, or tool calls."""
    message: Json = {"role": "assistant", "content": content, "refusal": None}
    if tool_calls:
        message["tool_calls"] = list(tool_calls)
    return {
        "id": f"chatcmpl-{next(_call_ids):05d}",
        "object": "chat.completion",
        "created": 1772438400,
        "model": MODEL,
        "choices": [
            {
                "index": 0,
                "message": message,
                "logprobs": None,
                "finish_reason": "tool_calls" if tool_calls else "stop",
            }
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
        "system_fingerprint": "fp_scripted",
    }


def calls(*tool_calls: Json, prompt_tokens: int = 1000, completion_tokens: int = 20) -> Json:
    """A completion that only calls tools."""
    return completion(
        tool_calls=tool_calls, prompt_tokens=prompt_tokens, completion_tokens=completion_tokens
    )


def error(status: int, message: str = "scripted failure") -> httpx.Response:
    """An API error reply; asks the client to wait only 10 ms before it retries."""
    body = {"error": {"message": message, "type": "server_error", "code": None}}
    return httpx.Response(status, json=body, headers={"retry-after-ms": "10"})


def tool_results(body: Json) -> list[tuple[str, Any]]:
    """Every tool result the request carries, in order, as (tool name, parsed content)."""
    names = {
        call["id"]: call["function"]["name"]
        for message in body["messages"]
        if message["role"] == "assistant"
        for call in message.get("tool_calls") or []
    }
    return [
        (names[message["tool_call_id"]], json.loads(message["content"]))
        for message in body["messages"]
        if message["role"] == "tool"
    ]


def last_result(body: Json, name: str) -> Any:
    """The content of the latest result of the named tool in the request."""
    found = [content for tool, content in tool_results(body) if tool == name]
    if not found:
        raise AssertionError(f"the request carries no {name} result")
    return found[-1]


def dialogue_state(body: Json) -> str:
    """The dialogue state block under the request's system prompt; "" when it has none."""
    system = str(body["messages"][0]["content"] or "")
    at = system.find(STATE_HEADING)
    return "" if at < 0 else system[at:]


def offered_start(body: Json, local_start: str) -> tuple[str, str, str]:
    """(provider id, service id, start) of a start check_slots offered, by its local beginning.

    `local_start` is how the start's ISO text begins or a part of it, e.g. "2026-03-03T14:30";
    the latest offer among the request's tool results wins, then the dialogue state's offers
    (what a model reads once the search's turn has left the window).
    """
    for name, result in reversed(tool_results(body)):
        if name != "check_slots":
            continue
        for found in result:
            for start in found["starts"]:
                if local_start in start["start"]:
                    return found["provider_id"], found["service_id"], start["start"]
    for provider_id, service_id, starts in reversed(OFFERED.findall(dialogue_state(body))):
        for start in starts.split(", "):
            if local_start in start:
                return provider_id, service_id, start
    raise AssertionError(f"no check_slots result offered {local_start}")


def known_booking(body: Json, service: str) -> str:
    """The id of the latest booking of this service (by name) the request tells of.

    The request's tool results come first, then the dialogue state's lines (what a model reads
    once the result that named the booking has left the window).
    """
    for _, result in reversed(tool_results(body)):
        for booking in reversed(result if isinstance(result, list) else [result]):
            if (
                isinstance(booking, dict)
                and booking.get("service") == service
                and "booking_id" in booking
            ):
                return str(booking["booking_id"])
    found = [
        booking_id
        for booking_id, described in BOOKING_LINE.findall(dialogue_state(body))
        if described.startswith(f"{service},")
    ]
    if not found:
        raise AssertionError(f"the request tells of no booking of {service}")
    return str(found[-1])


def event_stream(reply: Json) -> bytes:
    """The completion as the API streams it: server-sent `chat.completion.chunk` events.

    The text comes word by word, each tool call in one delta, then the finish reason, then
    (as `stream_options.include_usage` asks) a last chunk with the usage and no choices.
    """
    message = reply["choices"][0]["message"]
    base = {k: reply[k] for k in ("id", "created", "model", "system_fingerprint")}
    base["object"] = "chat.completion.chunk"

    def chunk(delta: Json, finish: str | None = None) -> Json:
        return {**base, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}

    chunks = [chunk({"role": "assistant", "content": ""})]
    words = (message.get("content") or "").split(" ")
    chunks += [chunk({"content": w if i == 0 else " " + w}) for i, w in enumerate(words) if w]
    for index, call in enumerate(message.get("tool_calls") or []):
        chunks.append(chunk({"tool_calls": [{"index": index, **call}]}))
    chunks.append(chunk({}, reply["choices"][0]["finish_reason"]))
    chunks.append({**base, "choices": [], "usage": reply["usage"]})
    lines = [f"data: {json.dumps(c)}\n\n" for c in chunks] + ["data: [DONE]\n\n"]
    return "".join(lines).encode()


class ScriptedLLM:
    """The respx side effect that plays the script, one step per request."""

    def __init__(self, steps: Iterable[Step] = ()) -> None:
        self.steps: list[Step] = list(steps)
        self.requests: list[Json] = []

    def add(self, *steps: Step) -> None:
        self.steps.extend(steps)

    @property
    def unused(self) -> int:
        return len(self.steps)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        body: Json = json.loads(request.content)
        self.requests.append(body)
        if not self.steps:
            raise AssertionError(f"the script ran out at request {len(self.requests)}")
        step = self.steps.pop(0)
        if isinstance(step, BaseException):
            raise step
        if isinstance(step, httpx.Response):
            return step
        reply = step(body) if callable(step) else step
        if body.get("stream"):
            return httpx.Response(
                200,
                content=event_stream(reply),
                headers={"content-type": "text/event-stream"},
            )
        return httpx.Response(200, json=reply)


@contextmanager
def scripted_server(llm: ScriptedLLM, base_url: str = BASE_URL) -> Iterator[respx.Route]:
    """Route every chat-completions request to the script; any other request fails the test."""
    with respx.mock(assert_all_called=False) as router:
        route = router.post(f"{base_url}/chat/completions").mock(side_effect=llm)
        yield route


def openai_settings(*, max_retries: int = 1, timeout_seconds: float = 2.0) -> ModelSettings:
    """Settings for the scripted server: few retries and a short timeout keep failures fast."""
    return ModelSettings(
        kind="openai",
        openai_api_key="sk-test",
        openai_base_url=BASE_URL,
        max_retries=max_retries,
        timeout_seconds=timeout_seconds,
    )


def knowledge_index(uow: UnitOfWork, index_dir: Path, embedder: MiniLMEmbedder) -> KnowledgeIndex:
    """Index the knowledge and services of the database as it is now."""
    index = KnowledgeIndex.open(index_dir, embedder)
    index.reindex(entries_from_database(uow))
    return index


def openai_agent(
    uow: Callable[[], UnitOfWork],
    knowledge: TextSearch,
    http_client: httpx.Client,
    *,
    settings: ModelSettings | None = None,
    checkpointer: BaseCheckpointSaver[str] | None = None,
) -> ConversationAgent:
    """Return the agent on the OpenAI-compatible path, built like the offline one in agents.py.

    The SDK talks through `http_client`, a plain httpx client, which respx intercepts (the SDK's
    own client is httpx2, which respx does not see).
    """
    tools = make_tools(ToolDeps(uow=uow, knowledge=knowledge))
    model = chat_model(settings or openai_settings(), http_client=http_client)
    graph = build_graph(
        model=model, tools=tools, uow=uow, checkpointer=checkpointer or InMemorySaver()
    )
    return ConversationAgent(graph, uow)
