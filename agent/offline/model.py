"""The built-in offline model: a deterministic chat model for booking conversations."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.messages.tool import tool_call_chunk
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langchain_core.runnables import Runnable
from langchain_core.tools import BaseTool

from agent.offline.policy import decide

# A word with the spaces after it: the pieces a reply streams in, as an LLM's tokens would.
WORD = re.compile(r"\S+\s*|\s+")


class OfflineChatModel(BaseChatModel):
    """Reads the conversation like an LLM would and emits the same tool calls, with rules.

    Understanding comes from rules, date parsing and fuzzy matching (agent/offline); matching
    a need to a service by meaning is the search_providers tool's embedding search.
    """

    @property
    def _llm_type(self) -> str:
        return "frontdesk-offline"

    def bind_tools(
        self,
        tools: Sequence[dict[str, Any] | type | Callable[..., Any] | BaseTool],
        *,
        tool_choice: str | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        # Its policy already knows the booking tools by name; binding changes nothing.
        return self

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        return ChatResult(generations=[ChatGeneration(message=decide(messages))])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        decided = decide(messages)
        for word in WORD.findall(str(decided.content)):
            piece = ChatGenerationChunk(message=AIMessageChunk(content=word))
            if run_manager is not None:
                run_manager.on_llm_new_token(word, chunk=piece)
            yield piece
        calls = [
            tool_call_chunk(
                name=call["name"], args=json.dumps(call["args"]), id=call["id"], index=index
            )
            for index, call in enumerate(decided.tool_calls)
        ]
        yield ChatGenerationChunk(
            message=AIMessageChunk(
                content="",
                additional_kwargs=decided.additional_kwargs,
                tool_call_chunks=calls,
                chunk_position="last",
            )
        )
