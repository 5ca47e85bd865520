"""Typed LangChain tools: thin translators from tool calls to domain services."""

from langchain_core.tools import BaseTool

from tools.booking import COMMITTING, make_booking_tools
from tools.context import ToolDeps
from tools.identity import make_identity_tools
from tools.preferences import make_preference_tools
from tools.search import make_search_tools

__all__ = ["COMMITTING", "ToolDeps", "make_tools"]


def make_tools(deps: ToolDeps) -> list[BaseTool]:
    """Build every tool the agent may call, closed over the given services."""
    return [
        *make_search_tools(deps),
        *make_booking_tools(deps),
        *make_identity_tools(deps),
        *make_preference_tools(deps),
    ]
