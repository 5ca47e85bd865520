"""Building the real agent for tests: the offline model, real tools, a real knowledge index."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.checkpoint.memory import InMemorySaver

from agent.graph import build_graph
from agent.offline.model import OfflineChatModel
from agent.runner import ConversationAgent
from domain.kernel.uow import UnitOfWork
from knowledge.embeddings import MiniLMEmbedder
from knowledge.entries import entries_from_database
from knowledge.index import KnowledgeIndex
from tools import ToolDeps, make_tools


def offline_agent(
    uow: Callable[[], UnitOfWork],
    index_dir: Path,
    embedder: MiniLMEmbedder,
    checkpointer: BaseCheckpointSaver[str] | None = None,
) -> ConversationAgent:
    """Return an agent over the database as it is now (its knowledge indexed from it)."""
    index = KnowledgeIndex.open(index_dir, embedder)
    index.reindex(entries_from_database(uow()))
    tools = make_tools(ToolDeps(uow=uow, knowledge=index))
    graph = build_graph(
        model=OfflineChatModel(), tools=tools, uow=uow, checkpointer=checkpointer or InMemorySaver()
    )
    return ConversationAgent(graph, uow)
