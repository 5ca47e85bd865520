"""Assembling the agent: model, tools, knowledge index and checkpointer, from settings.

Kept apart from bootstrap because importing the embedding stack takes seconds, which
commands that never talk to the agent (world load, db upgrade) should not pay.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

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
def open_agent(
    frontdesk: Frontdesk, knowledge: KnowledgeIndex | None = None
) -> Iterator[ConversationAgent]:
    """Yield the conversational agent as the settings describe it, closing what it opened.

    The agent searches `knowledge` when given (the app keeps it to index admins' changes);
    otherwise it opens the index itself.
    """
    settings = frontdesk.settings
    with ExitStack() as opened:
        index = (
            knowledge if knowledge is not None else opened.enter_context(open_knowledge(frontdesk))
        )
        checkpointer = opened.enter_context(
            open_checkpointer(settings.database_url, settings.data_dir)
        )
        tools = make_tools(ToolDeps(uow=frontdesk.uow, knowledge=index))
        graph = build_graph(
            model=chat_model(settings.model),
            tools=tools,
            uow=frontdesk.uow,
            checkpointer=checkpointer,
        )
        yield ConversationAgent(graph, frontdesk.uow)
