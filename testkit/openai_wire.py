"""OpenAI's chat-completions wire format, both ways, for the local model server.

Requests are read into LangChain messages (what the offline model takes); its AIMessage is
written back as a `chat.completion`, or as the `chat.completion.chunk` events a streaming
request gets (text deltas, then tool-call deltas, a finish reason, usage when asked, [DONE]).
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Iterator, Sequence
from typing import Any

from langchain_core.messages import (
    AIMessage,
    BaseMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)

Json = dict[str, Any]
# A word with the spaces after it: the pieces a streamed reply comes in, as tokens would.
WORD = re.compile(r"\S+\s*|\s+")
# Pieces a tool call's arguments stream in, as a real server splits them.
ARGUMENT_PIECE = 16


class WireError(ValueError):
    """A request the API would refuse with 400; the message says why."""


def text_of(content: Any) -> str:
    """The text of a message's content: a string, or a list of parts of which text is read."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(str(part.get("text", "")) for part in content if isinstance(part, dict))
    raise WireError("content must be a string or a list of parts")


def message_key(message: Json) -> str:
    """What identifies a wire message, in a form that survives a round trip through a client.

    Arguments are compared parsed, content as text: a client may re-space JSON or send a
    null content where the server sent "".
    """
    calls = [
        [call.get("id"), call.get("function", {}).get("name"), _parsed(call)]
        for call in message.get("tool_calls") or []
    ]
    key = [
        message.get("role"),
        text_of(message.get("content")),
        message.get("name"),
        message.get("tool_call_id"),
        calls,
    ]
    return json.dumps(key, sort_keys=True, ensure_ascii=False)


def _parsed(call: Json) -> Any:
    arguments = call.get("function", {}).get("arguments", "")
    try:
        return json.loads(arguments)
    except (TypeError, ValueError):
        return arguments


def read_messages(body: Json) -> list[BaseMessage]:
    """The request's messages as LangChain messages; a tool result is named after its call."""
    raw = body.get("messages")
    if not isinstance(raw, list) or not raw:
        raise WireError("messages must be a non-empty list")
    names: dict[str, str] = {}
    read: list[BaseMessage] = []
    for message in raw:
        if not isinstance(message, dict):
            raise WireError("every message must be an object")
        read.append(_read_message(message, names))
    return read


def _read_message(message: Json, names: dict[str, str]) -> BaseMessage:
    role, text = message.get("role"), text_of(message.get("content"))
    if role in ("system", "developer"):
        return SystemMessage(text)
    if role == "user":
        return HumanMessage(text)
    if role == "assistant":
        calls = []
        for call in message.get("tool_calls") or []:
            function = call.get("function") or {}
            names[str(call.get("id"))] = str(function.get("name"))
            arguments = _parsed(call)
            calls.append(
                {
                    "name": str(function.get("name")),
                    "args": arguments if isinstance(arguments, dict) else {},
                    "id": str(call.get("id")),
                    "type": "tool_call",
                }
            )
        return AIMessage(text, tool_calls=calls, name=message.get("name"))
    if role == "tool":
        call_id = str(message.get("tool_call_id") or "")
        if not call_id:
            raise WireError("a tool message needs its tool_call_id")
        return ToolMessage(text, tool_call_id=call_id, name=names.get(call_id))
    raise WireError(f"unknown role {role!r}")


def wire_message(reply: AIMessage) -> Json:
    """The assistant message of a completion for this reply."""
    message: Json = {"role": "assistant", "content": str(reply.content) or None, "refusal": None}
    if reply.tool_calls:
        message["tool_calls"] = [
            {
                "id": call["id"],
                "type": "function",
                "function": {"name": call["name"], "arguments": json.dumps(call["args"])},
            }
            for call in reply.tool_calls
        ]
    return message


def usage(body: Json, message: Json) -> Json:
    """Token counts estimated at four characters a token: enough for per-run sums."""
    prompt = max(1, len(json.dumps(body.get("messages", []))) // 4)
    completion = max(1, len(json.dumps(message)) // 4)
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }


def completion(body: Json, message: Json) -> Json:
    """A whole `chat.completion` answering `body` with `message`."""
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": str(body.get("model") or "local"),
        "choices": [
            {
                "index": 0,
                "message": message,
                "logprobs": None,
                "finish_reason": "tool_calls" if message.get("tool_calls") else "stop",
            }
        ],
        "usage": usage(body, message),
        "system_fingerprint": "fp_frontdesk_local",
    }


def chunks(body: Json, message: Json) -> Iterator[Json]:
    """The `chat.completion.chunk` events a streaming request gets for `message`."""
    head = {
        "id": f"chatcmpl-{uuid.uuid4().hex}",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": str(body.get("model") or "local"),
        "system_fingerprint": "fp_frontdesk_local",
    }

    def chunk(delta: Json, finish: str | None = None) -> Json:
        return {
            **head,
            "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
        }

    yield chunk({"role": "assistant", "content": ""})
    for word in WORD.findall(message.get("content") or ""):
        yield chunk({"content": word})
    calls: Sequence[Json] = message.get("tool_calls") or []
    for index, call in enumerate(calls):
        function = call["function"]
        yield chunk(
            {
                "tool_calls": [
                    {
                        "index": index,
                        "id": call["id"],
                        "type": "function",
                        "function": {"name": function["name"], "arguments": ""},
                    }
                ]
            }
        )
        arguments = function["arguments"]
        for start in range(0, len(arguments), ARGUMENT_PIECE):
            piece = arguments[start : start + ARGUMENT_PIECE]
            yield chunk({"tool_calls": [{"index": index, "function": {"arguments": piece}}]})
    yield chunk({}, "tool_calls" if calls else "stop")
    if (body.get("stream_options") or {}).get("include_usage"):
        yield {**head, "choices": [], "usage": usage(body, message)}


def error_body(message: str, kind: str = "invalid_request_error") -> Json:
    """An API error object, as the SDKs read it."""
    return {"error": {"message": message, "type": kind, "param": None, "code": None}}
