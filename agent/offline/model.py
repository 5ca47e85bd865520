"""The built-in offline model: a deterministic chat model for booking conversations."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.runnables import Runnable
from langchain_core.tools import BaseTool

from agent.offline.policy import decide


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
