"""On the OpenAI-compatible path: an anonymous visitor says who they are and books in one turn,
and replies stream piece by piece from the server-sent events."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlmodel import select

from agent.runner import ConversationAgent
from domain.kernel.uow import UnitOfWork
from domain.models import Booking, Client, Conversation
from testkit.openai_script import ScriptedLLM, calls, completion, last_result, tool_call
from tests.unit.test_openai_agent import (
    afternoon_slots,
    agent,
    fresh_uow,
    knowledge,
    llm,
    prefill_at,
    route,
)

__all__ = ["agent", "fresh_uow", "knowledge", "llm", "route"]  # fixtures shared with that module
pytestmark = pytest.mark.usefixtures("sample_world")
CONVERSATION = "web-visitor-1"


def visitor_says(agent: ConversationAgent, text: str) -> list[str]:
    turn = agent.send(conversation_id=CONVERSATION, client_id=None, channel="web", text=text)
    return turn.replies


def test_a_visitor_who_registers_mid_turn_gets_the_slot_held_for_them(
    agent: ConversationAgent, llm: ScriptedLLM, fresh_uow: Callable[[], UnitOfWork]
) -> None:
    llm.add(*afternoon_slots())
    visitor_says(agent, "I need a dermatologist on Tuesday afternoon")
    identify = tool_call("identify_client", {"name": "Nora New", "phone": "+49 170 5550123"})
    asks_intake = completion("I'm holding 14:30 for you. Your date of birth, please?")
    llm.add(calls(identify), prefill_at("2026-03-03T14:30"), asks_intake)
    visitor_says(agent, "14:30 please. I'm Nora New, +49 170 5550123")
    assert llm.unused == 0
    registered = last_result(llm.requests[-1], "identify_client")
    assert registered["status"] == "registered"
    # The prompt after registering names the client; before, it said nobody was known yet.
    prompts = [body["messages"][0]["content"] for body in llm.requests]
    assert "Client: not identified yet." in prompts[0]
    assert "Client: Nora New." in prompts[-1]
    with fresh_uow().reading() as reader:
        client = reader.session.exec(select(Client).where(Client.name == "Nora New")).one()
        held = reader.session.exec(select(Booking).where(Booking.client_id == client.id)).one()
        assert held.status == "hold"
        assert held.service_id == "derm-consult"
        assert reader.session.get_one(Conversation, CONVERSATION).client_id == client.id


def test_claiming_a_known_phone_gives_a_record_of_ones_own_and_a_code_to_the_phone(
    agent: ConversationAgent, llm: ScriptedLLM, fresh_uow: Callable[[], UnitOfWork]
) -> None:
    identify = tool_call("identify_client", {"name": "Ana Silva", "phone": "+4915112345678"})
    llm.add(calls(identify), completion("I've sent you a code."))
    visitor_says(agent, "I'm Ana Silva, +4915112345678")
    found = last_result(llm.requests[-1], "identify_client")
    # The answer a new phone gets: nothing says Ana is on file.
    assert found["status"] == "registered"
    assert found["sent_to"] == "the phone number you gave, ending in 78"
    assert found["client_id"] != "ana"
    with fresh_uow().reading() as reader:
        assert reader.session.get_one(Conversation, CONVERSATION).client_id == found["client_id"]


def test_a_reply_streams_in_pieces_that_add_up_to_it(
    agent: ConversationAgent, llm: ScriptedLLM
) -> None:
    llm.add(completion("Our dermatologist is Dr. Anna Weber, in Berlin Mitte."))
    pieces: list[tuple[str, str]] = []
    turn = agent.send(
        conversation_id=CONVERSATION,
        client_id="ana",
        channel="web",
        text="Who is your dermatologist?",
        on_delta=lambda reply_id, text: pieces.append((reply_id, text)),
    )
    (reply,) = turn.said
    assert llm.requests[-1]["stream"] is True
    assert len(pieces) > 3
    assert {reply_id for reply_id, _ in pieces} == {reply.id}
    assert "".join(text for _, text in pieces) == reply.text
