"""Thirty turns on the OpenAI path against a scripted server (respx): what late requests carry.

Late in a long conversation the model is sent the dialogue state and the last few messages,
not the early turns; the checkpoint still keeps every message, and bookings made late still
wait for the client's yes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from langchain_core.messages import HumanMessage

from agent.runner import ConversationAgent, Turn
from agent.window import RECENT_MESSAGES
from domain.kernel.clock import FrozenClock
from domain.kernel.db import make_engine
from domain.kernel.migrate import upgrade_schema
from domain.kernel.uow import UnitOfWork
from domain.world.loader import load_world, read_world
from evals.judge import active_bookings
from knowledge.embeddings import MiniLMEmbedder
from knowledge.index import KnowledgeIndex
from testkit.keys import TEST_KEYRING
from testkit.openai_conversations import (
    CONVERSATIONS,
    GP_MOVED,
    LAWYER_BOOKED,
    NOTARY_BOOKED,
    THIRTY_TURNS,
)
from testkit.openai_script import (
    Json,
    ScriptedLLM,
    dialogue_state,
    knowledge_index,
    openai_agent,
    openai_settings,
    scripted_server,
)
from tests.conftest import SAMPLE_NOW, SAMPLE_WORLD

pytestmark = pytest.mark.usefixtures("sample_world")
CONVERSATION = "chat-ana-long"


@pytest.fixture(scope="module")
def knowledge(tmp_path_factory: pytest.TempPathFactory, embedder: MiniLMEmbedder) -> KnowledgeIndex:
    directory = tmp_path_factory.mktemp("sample-knowledge")
    engine = make_engine(f"sqlite:///{directory / 'world.db'}", keyring=TEST_KEYRING)
    upgrade_schema(engine)
    uow = UnitOfWork(engine, FrozenClock(SAMPLE_NOW))
    load_world(uow=uow, world=read_world(SAMPLE_WORLD), base_dir=SAMPLE_WORLD.parent, source="test")
    index = knowledge_index(uow, directory / "chroma", embedder)
    engine.dispose()
    return index


@pytest.fixture
def fresh_uow(uow: UnitOfWork, clock: FrozenClock) -> Callable[[], UnitOfWork]:
    return lambda: UnitOfWork(uow.engine, clock)


@pytest.fixture
def llm() -> ScriptedLLM:
    return ScriptedLLM()


@pytest.fixture
def agent(
    fresh_uow: Callable[[], UnitOfWork], knowledge: KnowledgeIndex, llm: ScriptedLLM
) -> Iterator[ConversationAgent]:
    with scripted_server(llm), httpx.Client() as http_client:
        yield openai_agent(fresh_uow, knowledge, http_client, settings=openai_settings())


def play(
    agent: ConversationAgent, llm: ScriptedLLM, turns: slice = slice(None)
) -> list[tuple[Turn, list[Json]]]:
    """Play the thirty turns (or a slice); return each turn's answer with its requests."""
    played = []
    for text, steps in THIRTY_TURNS[turns]:
        seen = len(llm.requests)
        llm.add(*steps)
        turn = agent.send(conversation_id=CONVERSATION, client_id="ana", channel="web", text=text)
        assert llm.unused == 0, f"scripted answers left after {text!r}"
        played.append((turn, llm.requests[seen:]))
    return played


def said(body: Json) -> list[str]:
    return [str(message.get("content") or "") for message in body["messages"][1:]]


def assert_valid_for_the_api(body: Json) -> None:
    """Each tool message answers a call of the assistant message before the tool messages."""
    unanswered: set[str] = set()
    for message in body["messages"]:
        if message["role"] == "tool":
            assert message["tool_call_id"] in unanswered, "a result without its call"
            unanswered.remove(message["tool_call_id"])
        else:
            assert not unanswered, "a call without its result"
            unanswered = {call["id"] for call in message.get("tool_calls") or []}
    assert not unanswered, "a call without its result"


class TestLateInALongConversation:
    def test_the_model_is_sent_the_dialogue_state_and_not_the_early_turns(
        self, agent: ConversationAgent, llm: ScriptedLLM
    ) -> None:
        played = play(agent, llm)

        last_turn = played[-1][1]
        early = {text for text, _ in THIRTY_TURNS[:20]} - {text for text, _ in THIRTY_TURNS[20:]}
        for body in last_turn:
            assert not early & set(said(body)), "an early turn was sent again"
            assert len(body["messages"]) <= 1 + RECENT_MESSAGES + 2
        state = dialogue_state(last_turn[0])
        assert state.startswith("Dialogue state")
        assert "Booking b-ana-gp" in state, "the GP visit the early turns moved"
        for service in ("Family law consultation", "Notarial certification of documents"):
            assert service in state
        assert "Dermatology consultation" not in state, "the cancelled booking is told again"

    def test_every_request_keeps_tool_calls_and_results_together(
        self, agent: ConversationAgent, llm: ScriptedLLM
    ) -> None:
        play(agent, llm)
        assert len(llm.requests) == 58
        for body in llm.requests:
            assert_valid_for_the_api(body)

    def test_the_checkpoint_keeps_every_message(
        self, agent: ConversationAgent, llm: ScriptedLLM
    ) -> None:
        play(agent, llm)
        kept = agent.graph.get_state({"configurable": {"thread_id": CONVERSATION}})
        messages: list[Any] = kept.values["messages"]
        asked = [str(m.content) for m in messages if isinstance(m, HumanMessage)]
        assert asked[0] == THIRTY_TURNS[0][0]
        assert len(messages) > 3 * max(len(body["messages"]) for body in llm.requests)

    def test_bookings_made_late_still_wait_for_the_clients_yes(
        self, agent: ConversationAgent, llm: ScriptedLLM, fresh_uow: Callable[[], UnitOfWork]
    ) -> None:
        played = play(agent, llm, slice(0, 16))
        assert played[-1][0].question is not None
        assert LAWYER_BOOKED not in active_bookings(fresh_uow(), "ana"), "booked before the yes"
        played += play(agent, llm, slice(16, None))

        questions = {
            number: turn.question["action"]
            for number, (turn, _) in enumerate(played, start=1)
            if turn.question
        }
        assert questions == {
            6: "confirm_booking",
            10: "reschedule_booking",
            16: "confirm_booking",
            21: "cancel_booking",
            25: "confirm_booking",
            26: "confirm_booking",
        }
        assert active_bookings(fresh_uow(), "ana") == CONVERSATIONS["30 turns"][1]
        assert CONVERSATIONS["30 turns"][1] == {GP_MOVED, LAWYER_BOOKED, NOTARY_BOOKED}
