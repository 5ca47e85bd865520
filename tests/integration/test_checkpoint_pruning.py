"""Bounded checkpoint storage: superseded checkpoints are pruned as turns are saved, so a
conversation's bytes grow linearly with its turns, and a booking paused for confirmation still
resumes — in another agent over the same store, as after a restart — on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiosqlite
import psycopg
from langchain_core.messages import AIMessage, HumanMessage
from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import Checkpoint, empty_checkpoint
from langgraph.graph import START, MessagesState, StateGraph
from langgraph.types import Command, interrupt
from psycopg.rows import dict_row
from sqlalchemy import make_url

from agent.checkpoint import open_checkpointer, sealed_serializer
from agent.pruning import AsyncPruningPostgresSaver, AsyncPruningSqliteSaver
from bench.checkpoint_bytes import MEASURED_AT, client_turns, play
from bench.common import sample_world_database
from domain.booking.reading import list_client_bookings
from domain.kernel.actors import SYSTEM
from domain.kernel.keyring import process_keyring
from domain.models import BookingStatus
from knowledge.embeddings import MiniLMEmbedder
from testkit.agents import offline_agent


def test_bytes_after_50_turns_stay_below_a_bound_linear_in_turns(
    database_url: str, tmp_path: Path, embedder: MiniLMEmbedder
) -> None:
    at_5, _, at_50 = play(database_url, tmp_path, embedder, prune=True)
    # Twice the bytes per turn of a five-turn chat, times the turns: keeping every checkpoint
    # (each holding the whole transcript) passes it by ten times at fifty turns.
    bound_per_turn = 2 * at_5 / MEASURED_AT[0]
    assert at_50 <= bound_per_turn * MEASURED_AT[-1]


def checkpoints_kept(database_url: str, data_dir: Path, thread_id: str) -> int:
    url = make_url(database_url)
    query = "SELECT COUNT(*) FROM checkpoints WHERE thread_id = "
    if url.get_backend_name() == "postgresql":
        conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(conninfo) as pg:
            row = pg.execute(query + "%s", (thread_id,)).fetchone()
    else:
        with sqlite3.connect(data_dir / "checkpoints.db") as lite:
            row = lite.execute(query + "?", (thread_id,)).fetchone()
    assert row is not None
    return int(row[0])


def test_a_booking_paused_for_confirmation_resumes_after_pruning(
    database_url: str, tmp_path: Path, embedder: MiniLMEmbedder
) -> None:
    loaded = sample_world_database(database_url)
    clock, uow = loaded.clock, loaded.uow
    said = client_turns(uow, clock)
    asked = [next(said) for _ in range(3)]  # a question, a day, a time: paused to confirm
    keyring = process_keyring()
    with open_checkpointer(database_url, tmp_path, keyring) as saver:
        agent = offline_agent(uow, tmp_path / "chroma", embedder, checkpointer=saver)
        for text in asked:
            turn = agent.send(conversation_id="paused", client_id="ana", channel="web", text=text)
    assert turn.question is not None
    # Of the dozen steps those turns saved, the latest and its parent are left.
    assert checkpoints_kept(database_url, tmp_path, "paused") <= 2
    with open_checkpointer(database_url, tmp_path, keyring) as saver:
        agent = offline_agent(uow, tmp_path / "chroma2", embedder, checkpointer=saver)
        agent.send(conversation_id="paused", client_id="ana", channel="web", text="yes")
        history = agent.graph.get_state({"configurable": {"thread_id": "paused"}})
    bookings = list_client_bookings(uow=uow(), actor=SYSTEM, client_id="ana")
    assert sum(b.status == BookingStatus.CONFIRMED for b in bookings) == 2  # hers, and this one
    # The transcript is whole: every turn's client message is still in the latest checkpoint.
    contents = [str(m.content) for m in history.values["messages"]]
    assert all(text in contents for text in asked)
    loaded.engine.dispose()


@asynccontextmanager
async def async_saver(
    database_url: str, data_dir: Path
) -> AsyncIterator[AsyncPruningSqliteSaver | AsyncPruningPostgresSaver]:
    url = make_url(database_url)
    sealing = sealed_serializer(process_keyring())
    if url.get_backend_name() == "postgresql":
        conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)
        async with await psycopg.AsyncConnection.connect(
            conninfo, autocommit=True, prepare_threshold=0, row_factory=dict_row
        ) as pg:
            saver: AsyncPruningSqliteSaver | AsyncPruningPostgresSaver
            saver = AsyncPruningPostgresSaver(pg, serde=sealing)
            await saver.setup()
            yield saver
        return
    async with aiosqlite.connect(data_dir / "checkpoints.db") as lite:
        saver = AsyncPruningSqliteSaver(lite, serde=sealing)
        await saver.setup()
        yield saver


def test_the_async_savers_prune_and_still_resume_a_pause(database_url: str, tmp_path: Path) -> None:
    def answer(state: MessagesState) -> dict[str, list[AIMessage]]:
        return {"messages": [AIMessage(f"answer {len(state['messages'])}")]}

    def confirm(state: MessagesState) -> dict[str, list[AIMessage]]:
        said = interrupt("Shall I book it?")
        return {"messages": [AIMessage(f"you said {said}")]}

    builder = StateGraph(MessagesState)
    builder.add_node("answer", answer)
    builder.add_node("confirm", confirm)
    builder.add_edge(START, "answer")
    builder.add_edge("answer", "confirm")
    config: RunnableConfig = {"configurable": {"thread_id": "async"}}

    async def play() -> tuple[int, list[str]]:
        async with async_saver(database_url, tmp_path) as saver:
            graph = builder.compile(checkpointer=saver)
            for turn in range(10):
                await graph.ainvoke({"messages": [HumanMessage(f"turn {turn}")]}, config)
                await graph.ainvoke(Command(resume=f"yes {turn}"), config)
        async with async_saver(database_url, tmp_path) as saver:
            graph = builder.compile(checkpointer=saver)
            await graph.ainvoke({"messages": [HumanMessage("last")]}, config)
            await graph.ainvoke(Command(resume="yes, after a restart"), config)
            state = await graph.aget_state(config)
        kept = checkpoints_kept(database_url, tmp_path, "async")
        return kept, [str(m.content) for m in state.values["messages"]]

    kept, said = asyncio.run(play())
    assert kept <= 2
    assert said[-1] == "you said yes, after a restart"
    assert len(said) == 11 * 3  # every turn's message, answer and confirmation


def test_writes_saved_ahead_of_their_checkpoint_survive_the_saves_behind_them(
    database_url: str, tmp_path: Path
) -> None:
    # langgraph saves checkpoints on a background thread, one after the other, while a step's
    # writes go at once: the pause's interrupt was seen stored before the checkpoints of the
    # two steps ahead of it (`frontdesk chat`, SQLite). Pruning those must leave it alone.
    first, second, third = (empty_checkpoint() for _ in range(3))
    thread: RunnableConfig = {"configurable": {"thread_id": "ahead", "checkpoint_ns": ""}}

    def at(checkpoint: Checkpoint) -> RunnableConfig:
        return {"configurable": {**thread["configurable"], "checkpoint_id": checkpoint["id"]}}

    with open_checkpointer(database_url, tmp_path, process_keyring()) as saver:
        saver.put(thread, first, {"source": "input", "step": -1}, {})
        saver.put_writes(at(third), [("__interrupt__", "Shall I book it?")], task_id="pause")
        saver.put(at(first), second, {"source": "loop", "step": 0}, {})
        saver.put(at(second), third, {"source": "loop", "step": 1}, {})
        latest = saver.get_tuple(thread)
    assert latest is not None
    assert latest.checkpoint["id"] == third["id"]
    assert [(channel, value) for _, channel, value in latest.pending_writes or []] == [
        ("__interrupt__", "Shall I book it?")
    ]
