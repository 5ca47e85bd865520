"""Checkpointers that keep, per conversation, only the checkpoints a resume can still need.

langgraph saves a checkpoint after every step, and each holds the conversation's whole message
list (on PostgreSQL as a new blob version of the `messages` channel), so a conversation of n
turns would keep O(n²) bytes. Nothing reads an older checkpoint: a turn, a resume after a
confirmation pause and the transcript all start from the latest (`get_state`, `get_tuple`
without an id), and nothing here travels back in time. So when a checkpoint is saved, every
checkpoint of its thread older than its parent is deleted, with their writes and (on
PostgreSQL) the blobs no kept checkpoint refers to.

Only what is older goes, never "all but these two": langgraph saves checkpoints one after the
other on a background thread while a step's writes are stored at once, so a pause's interrupt
can be stored against a checkpoint two saves ahead of the one being saved (seen in `frontdesk
chat`). The parent stays because its task results may still be on their way.

langgraph's own `PostgresSaver.prune(strategy="keep_latest")` prunes a whole thread in a
repeatable-read transaction and raises when a run writes to the thread meanwhile, so it suits
a sweep between turns rather than every save; SQLite's saver has none. Both would refuse
graphs with a `DeltaChannel`, whose latest value is rebuilt from older checkpoints: this graph
has none (AgentState's messages are a plain reducer channel).
"""

from __future__ import annotations

from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import ChannelVersions, Checkpoint, CheckpointMetadata
from langgraph.checkpoint.postgres import PostgresSaver
from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
from langgraph.checkpoint.sqlite import SqliteSaver
from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver

# Checkpoint ids grow with time (uuid6), as langgraph's own "latest" (ORDER BY id DESC) assumes.
_SQLITE_PRUNE = (
    "DELETE FROM checkpoints WHERE thread_id = ? AND checkpoint_ns = ? AND checkpoint_id < ?",
    "DELETE FROM writes WHERE thread_id = ? AND checkpoint_ns = ? AND checkpoint_id < ?",
)
_POSTGRES_PRUNE = (
    "DELETE FROM checkpoints WHERE thread_id = %(thread)s AND checkpoint_ns = %(ns)s "
    'AND checkpoint_id COLLATE "C" < %(parent)s',
    "DELETE FROM checkpoint_writes WHERE thread_id = %(thread)s AND checkpoint_ns = %(ns)s "
    'AND checkpoint_id COLLATE "C" < %(parent)s',
    # A blob lives on while a kept checkpoint's channel_versions names its version.
    "DELETE FROM checkpoint_blobs AS b WHERE b.thread_id = %(thread)s "
    "AND b.checkpoint_ns = %(ns)s AND NOT EXISTS ("
    " SELECT 1 FROM checkpoints AS c, jsonb_each_text(c.checkpoint -> 'channel_versions') AS v"
    " WHERE c.thread_id = b.thread_id AND c.checkpoint_ns = b.checkpoint_ns"
    " AND v.key = b.channel AND v.value = b.version)",
)


def _pruned_below(config: RunnableConfig, checkpoint: Checkpoint) -> tuple[str, str, str]:
    """(thread, namespace, the id below which nothing is kept: the parent's, or the new one's)."""
    configurable = config["configurable"]
    return (
        str(configurable["thread_id"]),
        str(configurable.get("checkpoint_ns", "")),
        str(configurable.get("checkpoint_id") or checkpoint["id"]),
    )


def _postgres_values(config: RunnableConfig, checkpoint: Checkpoint) -> dict[str, str]:
    """_pruned_below's values named as _POSTGRES_PRUNE's statements read them."""
    thread, ns, parent = _pruned_below(config, checkpoint)
    return {"thread": thread, "ns": ns, "parent": parent}


class _Prunes:
    """A saver's `prune` switch (on unless asked otherwise), set before langgraph's own init."""

    def __init__(self, *args: Any, prune: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.prunes = prune


class PruningSqliteSaver(_Prunes, SqliteSaver):
    """langgraph's SQLite saver, deleting a thread's superseded checkpoints as it saves."""

    def put(
        self,
        config: RunnableConfig,
        checkpoint: Checkpoint,
        metadata: CheckpointMetadata,
        new_versions: ChannelVersions,
    ) -> RunnableConfig:
        saved = super().put(config, checkpoint, metadata, new_versions)
        if self.prunes:
            below = _pruned_below(config, checkpoint)
            with self.cursor() as cursor:
                for statement in _SQLITE_PRUNE:
                    cursor.execute(statement, below)
        return saved


class PruningPostgresSaver(_Prunes, PostgresSaver):
    """langgraph's PostgreSQL saver, deleting a thread's superseded checkpoints as it saves."""

    def put(
        self,
        config: RunnableConfig,
        checkpoint: Checkpoint,
        metadata: CheckpointMetadata,
        new_versions: ChannelVersions,
    ) -> RunnableConfig:
        saved = super().put(config, checkpoint, metadata, new_versions)
        if self.prunes:
            values = _postgres_values(config, checkpoint)
            with self._cursor() as cursor:
                for statement in _POSTGRES_PRUNE:
                    cursor.execute(statement, values)
        return saved


class AsyncPruningSqliteSaver(_Prunes, AsyncSqliteSaver):
    """langgraph's async SQLite saver (aiosqlite), pruning as PruningSqliteSaver does."""

    async def aput(
        self,
        config: RunnableConfig,
        checkpoint: Checkpoint,
        metadata: CheckpointMetadata,
        new_versions: ChannelVersions,
    ) -> RunnableConfig:
        saved = await super().aput(config, checkpoint, metadata, new_versions)
        if self.prunes:
            below = _pruned_below(config, checkpoint)
            async with self.lock:
                for statement in _SQLITE_PRUNE:
                    await self.conn.execute(statement, below)
                await self.conn.commit()
        return saved


class AsyncPruningPostgresSaver(_Prunes, AsyncPostgresSaver):
    """langgraph's async PostgreSQL saver, pruning as PruningPostgresSaver does."""

    async def aput(
        self,
        config: RunnableConfig,
        checkpoint: Checkpoint,
        metadata: CheckpointMetadata,
        new_versions: ChannelVersions,
    ) -> RunnableConfig:
        saved = await super().aput(config, checkpoint, metadata, new_versions)
        if self.prunes:
            values = _postgres_values(config, checkpoint)
            async with self._cursor() as cursor:
                for statement in _POSTGRES_PRUNE:
                    await cursor.execute(statement, values)
        return saved
