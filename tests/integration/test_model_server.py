"""The local model server speaks OpenAI's wire format: the official `openai` client and the
agent's ChatOpenAI read its completions, streamed and not, tool calls included; a conversation
continued by a compact window is read back whole; bad requests get a 400 saying why; a script
recorded from the offline model is replayed without it, with this run's ids put back."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest
from langchain_core.messages import AIMessageChunk, HumanMessage, SystemMessage
from langchain_openai import ChatOpenAI
from pydantic import SecretStr

from testkit.model_server import RunningModelServer, model_server

SYSTEM: Any = {"role": "system", "content": "Current local time: 2026-03-02T09:00+01:00"}
HELLO: Any = {"role": "user", "content": "hello"}
ASK: Any = {"role": "user", "content": "How late can I cancel an appointment without paying?"}
TOOLS: list[Any] = [
    {
        "type": "function",
        "function": {
            "name": "search_knowledge",
            "description": "Search the practice's FAQ and policies.",
            "parameters": {"type": "object", "properties": {"query": {"type": "string"}}},
        },
    }
]
POLICY = [
    {
        "kind": "policy",
        "id": "cancel-policy",
        "title": "Cancellation policy",
        "text": "Appointments can be cancelled free of charge up to 24 hours before they start.",
        "score": 0.82,
    }
]


@pytest.fixture(scope="module")
def server() -> Iterator[RunningModelServer]:
    with model_server(latency=0.0) as running:
        yield running


@pytest.fixture
def client(server: RunningModelServer) -> openai.OpenAI:
    return openai.OpenAI(base_url=server.base_url, api_key="dummy", max_retries=0)


def test_a_question_is_answered_with_a_tool_call_first(client: openai.OpenAI) -> None:
    done = client.chat.completions.create(model="local", messages=[SYSTEM, ASK], tools=TOOLS)
    [choice] = done.choices
    assert choice.finish_reason == "tool_calls"
    [call] = choice.message.tool_calls or []
    assert call.type == "function"
    assert call.function.name == "search_knowledge"
    assert "query" in json.loads(call.function.arguments)
    assert done.usage is not None
    assert done.usage.prompt_tokens > 0
    assert done.model == "local"


def test_the_tool_result_sent_back_is_answered_in_words(client: openai.OpenAI) -> None:
    first = client.chat.completions.create(model="local", messages=[SYSTEM, ASK], tools=TOOLS)
    [call] = first.choices[0].message.tool_calls or []
    called: Any = first.choices[0].message.model_dump(exclude_none=True)
    result: Any = {"role": "tool", "tool_call_id": call.id, "content": json.dumps(POLICY)}
    second = client.chat.completions.create(
        model="local", messages=[SYSTEM, ASK, called, result], tools=TOOLS
    )
    assert second.choices[0].finish_reason == "stop"
    assert "24 hours" in (second.choices[0].message.content or "")


def test_a_streamed_answer_is_the_same_answer_in_pieces(client: openai.OpenAI) -> None:
    whole = client.chat.completions.create(model="local", messages=[SYSTEM, HELLO])
    stream = client.chat.completions.create(
        model="local",
        messages=[SYSTEM, HELLO],
        stream=True,
        stream_options={"include_usage": True},
    )
    pieces = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in pieces if c.choices)
    assert text == whole.choices[0].message.content
    assert len([c for c in pieces if c.choices and c.choices[0].delta.content]) > 3
    assert [c.choices[0].finish_reason for c in pieces if c.choices][-1] == "stop"
    assert pieces[-1].choices == []
    assert pieces[-1].usage is not None


def test_streamed_tool_calls_arrive_as_deltas_the_sdk_assembles(client: openai.OpenAI) -> None:
    with client.chat.completions.stream(
        model="local", messages=[SYSTEM, ASK], tools=TOOLS
    ) as stream:
        deltas = [event for event in stream if event.type == "tool_calls.function.arguments.delta"]
        final = stream.get_final_completion()
    assert len(deltas) > 1  # the arguments came in several pieces
    [call] = final.choices[0].message.tool_calls or []
    assert call.function.name == "search_knowledge"
    assert json.loads(call.function.arguments)["query"]
    assert final.choices[0].finish_reason == "tool_calls"


def test_chat_openai_streams_tool_calls_as_the_agent_reads_them(
    server: RunningModelServer,
) -> None:
    model = ChatOpenAI(
        model="local", base_url=server.base_url, api_key=SecretStr("dummy"), max_retries=0
    ).bind_tools(TOOLS)
    messages = [SystemMessage(SYSTEM["content"]), HumanMessage(ASK["content"])]
    gathered: AIMessageChunk | None = None
    for chunk in model.stream(messages):
        assert isinstance(chunk, AIMessageChunk)
        gathered = chunk if gathered is None else gathered + chunk
    assert gathered is not None
    [call] = gathered.tool_calls
    assert call["name"] == "search_knowledge"
    assert call["args"]["query"]


def test_a_window_without_the_first_turns_continues_its_conversation(
    client: openai.OpenAI, server: RunningModelServer
) -> None:
    first = client.chat.completions.create(model="local", messages=[SYSTEM, ASK], tools=TOOLS)
    called: Any = first.choices[0].message.model_dump(exclude_none=True)
    [call] = first.choices[0].message.tool_calls or []
    result: Any = {"role": "tool", "tool_call_id": call.id, "content": json.dumps(POLICY)}
    answer = client.chat.completions.create(
        model="local", messages=[SYSTEM, ASK, called, result], tools=TOOLS
    )
    said: Any = answer.choices[0].message.model_dump(exclude_none=True)
    started = httpx.get(f"http://127.0.0.1:{server.port}/stats").json()["conversations"]
    # As agent/window.py cuts it: the first message is left out of the next request.
    thanks: Any = {"role": "user", "content": "Thanks, that's all."}
    client.chat.completions.create(
        model="local", messages=[SYSTEM, called, result, said, thanks], tools=TOOLS
    )
    after = httpx.get(f"http://127.0.0.1:{server.port}/stats").json()["conversations"]
    assert after == started  # continued, not begun afresh


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (b"{not json", "Expecting"),
        (b"[]", "JSON object"),
        (json.dumps({"model": "local"}).encode(), "messages"),
        (json.dumps({"messages": [{"role": "wizard", "content": "hi"}]}).encode(), "role"),
        (json.dumps({"messages": [SYSTEM]}).encode(), "nothing to answer"),
    ],
)
def test_a_bad_request_gets_a_400_saying_why(
    server: RunningModelServer, body: bytes, says: str
) -> None:
    answer = httpx.post(f"{server.base_url}/chat/completions", content=body)
    assert answer.status_code == 400
    assert says in answer.json()["error"]["message"]


def test_the_sdk_reads_a_refusal_as_a_bad_request_error(client: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError, match="role"):
        client.chat.completions.create(
            model="local",
            messages=[{"role": "wizard", "content": "hi"}],  # type: ignore[list-item,misc]
        )


def test_an_answer_waits_for_the_latency_set() -> None:
    with model_server(latency=0.3) as slow:
        slow_client = openai.OpenAI(base_url=slow.base_url, api_key="dummy", max_retries=0)
        began = time.monotonic()
        slow_client.chat.completions.create(model="local", messages=[SYSTEM, ASK], tools=TOOLS)
        assert time.monotonic() - began >= 0.3


def test_a_recorded_script_is_replayed_without_the_offline_model(tmp_path: Path) -> None:
    script = tmp_path / "script.jsonl"

    def conversation(base_url: str, booking_id: str) -> list[Any]:
        talk = openai.OpenAI(base_url=base_url, api_key="dummy", max_retries=0)
        first = talk.chat.completions.create(model="local", messages=[SYSTEM, ASK], tools=TOOLS)
        called: Any = first.choices[0].message.model_dump(exclude_none=True)
        [call] = first.choices[0].message.tool_calls or []
        found = [{**POLICY[0], "id": booking_id}]
        result: Any = {"role": "tool", "tool_call_id": call.id, "content": json.dumps(found)}
        second = talk.chat.completions.create(
            model="local", messages=[SYSTEM, ASK, called, result], tools=TOOLS
        )
        return [first.choices[0].message, second.choices[0].message]

    with model_server(mode="record", script=script) as recording:
        recorded = conversation(recording.base_url, "3f1c2a9e-0000-4000-8000-000000000001")
        assert recording.service.counts.decided == 2
    assert len(script.read_text().splitlines()) == 2
    with model_server(mode="replay", script=script) as replaying:
        replayed = conversation(replaying.base_url, "77aa2a9e-0000-4000-8000-000000000002")
        counts = replaying.service.counts
    assert (counts.replayed, counts.misses, counts.decided) == (2, 0, 0)
    assert replayed[1].content == recorded[1].content
    [old_call], [new_call] = recorded[0].tool_calls, replayed[0].tool_calls
    assert new_call.function == old_call.function
    assert new_call.id != old_call.id  # made afresh, as a model would


def test_a_result_the_offline_model_cannot_read_gets_a_500_not_a_trace(
    client: openai.OpenAI, server: RunningModelServer
) -> None:
    first = client.chat.completions.create(model="local", messages=[SYSTEM, ASK], tools=TOOLS)
    called: Any = first.choices[0].message.model_dump(exclude_none=True)
    [call] = first.choices[0].message.tool_calls or []
    unscored = [{key: value for key, value in POLICY[0].items() if key != "score"}]
    result: Any = {"role": "tool", "tool_call_id": call.id, "content": json.dumps(unscored)}
    with pytest.raises(openai.InternalServerError, match="could not answer"):
        client.chat.completions.create(
            model="local", messages=[SYSTEM, ASK, called, result], tools=TOOLS
        )
    assert server.service.counts.failed == 1
