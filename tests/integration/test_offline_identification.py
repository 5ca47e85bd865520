"""A web visitor says who they are with their number written as they know it.

Markus Wolf is on file in the demo world as +4917034419208. Typing "0170 34419208" in the web
chat is the same number in the practice's region (DE): the code goes to his phone, and once he
types it he sees his appointments; no second Markus Wolf is made. The real agent (offline
model, real tools) runs over the demo world, its clock at Monday 9 March 2026, 09:00 Berlin.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import pytest
from langgraph.checkpoint.memory import InMemorySaver
from sqlmodel import col, func, select

from agent.graph import build_graph
from agent.offline.model import OfflineChatModel
from agent.runner import ConversationAgent, Turn
from domain.kernel.clock import FrozenClock
from domain.kernel.uow import UnitOfWork
from domain.models import Client, Conversation, OutboxMessage
from domain.notifications.codes import destination_of
from domain.world.loader import load_world, read_world
from knowledge.index import KnowledgeIndex
from testkit.live import DEMO_NOW
from tests.conftest import DEMO_WORLD
from tests.integration.test_offline_conversations import called, calls, sample_index, text
from tools import ToolDeps, make_tools

__all__ = ["sample_index"]  # the fixture, shared with the other offline conversations
MARKUS = "markus-wolf"
MARKUS_NEXT = "Wed 11 Mar, 08:00"  # physiotherapy with Lena Fischer, said on Monday 9 March


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(datetime.fromisoformat(DEMO_NOW))


@pytest.fixture
def visitor(uow: UnitOfWork, clock: FrozenClock, sample_index: KnowledgeIndex) -> Visitor:
    """An anonymous web visitor talking to the real agent over the demo world."""
    load_world(uow=uow, world=read_world(DEMO_WORLD), base_dir=DEMO_WORLD.parent, source="demo")

    def fresh_uow() -> UnitOfWork:
        return UnitOfWork(uow.engine, clock)

    tools = make_tools(ToolDeps(uow=fresh_uow, knowledge=sample_index))
    graph = build_graph(
        model=OfflineChatModel(), tools=tools, uow=fresh_uow, checkpointer=InMemorySaver()
    )
    return Visitor(ConversationAgent(graph, fresh_uow), fresh_uow)


@dataclass
class Visitor:
    agent: ConversationAgent
    uow: Callable[[], UnitOfWork]
    conversation_id: str = "web-visitor-1"

    def say(self, said: str) -> Turn:
        return self.agent.send(
            conversation_id=self.conversation_id, client_id=None, channel="web", text=said
        )

    def code_sent(self) -> OutboxMessage:
        with self.uow().reading() as reader:
            sent = reader.session.exec(
                select(OutboxMessage).where(OutboxMessage.event == "identity.code")
            ).all()
        assert len(sent) == 1, sent
        return sent[0]

    def linked_client(self) -> str | None:
        with self.uow().reading() as reader:
            return reader.session.get_one(Conversation, self.conversation_id).client_id

    def clients_named(self, name: str) -> int:
        with self.uow().reading() as reader:
            return reader.session.exec(
                select(func.count()).select_from(Client).where(col(Client.name) == name)
            ).one()


@pytest.mark.parametrize(
    "written", ["0170 34419208", "0170/344 192 08", "0049 170 34419208", "+49 170 34419208"]
)
def test_a_known_client_typing_a_national_number_sees_their_appointments(
    visitor: Visitor, written: str
) -> None:
    asked = visitor.say("What appointments do I have?")
    assert called(asked) == []  # who is asking comes first

    claimed = visitor.say(f"Markus Wolf, {written}")
    assert calls(claimed, "identify_client") == [{"name": "Markus Wolf", "phone": written}]
    assert "ending in 08" in text(claimed)
    code = visitor.code_sent()
    # The code goes to the number typed, for the visitor's own record: nothing of Markus yet.
    with visitor.uow().reading() as reader:
        assert destination_of(reader.session, code.payload) == "+4917034419208"
    assert code.subject_id != MARKUS

    shown = visitor.say(str(code.payload["code"]))
    assert called(shown) == ["verify_code", "list_bookings"]
    assert visitor.linked_client() == MARKUS
    assert MARKUS_NEXT in text(shown)
    assert "no upcoming" not in text(shown).lower()
    assert visitor.clients_named("Markus Wolf") == 1


def test_a_number_that_is_no_number_is_asked_for_again(visitor: Visitor) -> None:
    visitor.say("What appointments do I have?")
    refused = visitor.say("Markus Wolf, 0170 123")
    assert called(refused) == ["identify_client"]
    assert "does not look like a phone number" in text(refused)
    assert visitor.linked_client() is None
    assert visitor.clients_named("Markus Wolf") == 1
