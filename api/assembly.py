"""Assembling the agent: model, tools, knowledge index and checkpointer, from settings.

Kept apart from bootstrap because importing the embedding stack takes seconds, which
commands that never talk to the agent (world load, db upgrade) should not pay.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from agent.checkpoint import open_checkpointer
from agent.graph import build_graph
from agent.models import chat_model
from agent.runner import ConversationAgent
from api.bootstrap import Frontdesk
from knowledge.embeddings import MiniLMEmbedder
from knowledge.entries import entries_from_database
from knowledge.index import KnowledgeIndex
from tools import ToolDeps, make_tools


@contextmanager
def open_knowledge(frontdesk: Frontdesk) -> Iterator[KnowledgeIndex]:
    """Open the knowledge index in the data dir, brought up to date with the database."""
    embedder = MiniLMEmbedder()
    embedder.load()
    with KnowledgeIndex.open(frontdesk.settings.data_dir / "chroma", embedder) as index:
        index.reindex(entries_from_database(frontdesk.uow()))
        yield index


@contextmanager
def open_agent(frontdesk: Frontdesk) -> Iterator[ConversationAgent]:
    """Yield the conversational agent as the settings describe it, closing what it opened."""
    settings = frontdesk.settings
    with (
        open_knowledge(frontdesk) as index,
        open_checkpointer(settings.database_url, settings.data_dir) as checkpointer,
    ):
        tools = make_tools(ToolDeps(uow=frontdesk.uow, knowledge=index))
        graph = build_graph(
            model=chat_model(settings.model),
            tools=tools,
            uow=frontdesk.uow,
            checkpointer=checkpointer,
        )
        yield ConversationAgent(graph, frontdesk.uow)
