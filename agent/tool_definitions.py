"""What the model is told about the tools: their OpenAI definitions, pared down to what it needs.

Every model call sends every definition, so their size is paid on every call. Pydantic's JSON
schema says each optional field twice (`anyOf` with null, and `default: null`), repeats the
formats the descriptions give as regular expressions, and adds bounds and titles; none of it
helps the model choose arguments. What is left: names, types, descriptions, enums, what is
required. The tools still validate every call against their full schemas, so a bad argument is
refused as before.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from langchain_core.tools import BaseTool
from langchain_core.utils.function_calling import convert_to_openai_tool

# Schema keywords the tool checks itself; the description says the same in words.
LEFT_TO_THE_TOOL = frozenset(
    {"title", "default", "pattern", "minimum", "maximum", "minItems", "maxItems", "minLength"}
)
NULL = {"type": "null"}


def compact_definitions(tools: Sequence[BaseTool]) -> list[dict[str, Any]]:
    """Return the tools' OpenAI function definitions without the schema text the model ignores."""
    return [compact_schema(convert_to_openai_tool(tool)) for tool in tools]


def compact_schema(schema: Any) -> Any:
    """Strip one JSON schema (or a part of it) down to names, types, descriptions and enums."""
    if isinstance(schema, list):
        return [compact_schema(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    options = schema.get("anyOf")
    if isinstance(options, list):
        # Optional means "may be left out" to the model: it is simply not required.
        kept = [option for option in options if option != NULL]
        if len(kept) == 1:
            rest = {key: value for key, value in schema.items() if key != "anyOf"}
            return compact_schema({**kept[0], **rest})
    compact: dict[str, Any] = {}
    for key, value in schema.items():
        if key == "properties":
            compact[key] = {name: compact_schema(field) for name, field in value.items()}
        elif key not in LEFT_TO_THE_TOOL:
            compact[key] = compact_schema(value)
    return compact
