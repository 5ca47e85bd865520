"""Handed back, the agent answers what the client said while a person held the conversation.

The real hub, agent, tools and database (SQLite and PostgreSQL); the offline model, and the
OpenAI-compatible path against a scripted server (respx). Ana writes on Telegram, so what the
agent says is sent through the conversation's outlet, which here writes down what it was given.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from langchain_core.messages import BaseMessage
from langgraph.checkpoint.memory import InMemorySaver
from sqlmodel import col, select

from agent.graph import build_graph
from agent.offline.model import OfflineChatModel
from agent.runner import ConversationAgent
from channels.bus import EventBus
from channels.hub import Hub
from channels.messages import Inbound
from domain.conversations.transcripts import record_entries, transcript, unseen_by_agent
from domain.kernel.actors import SYSTEM
from domain.kernel.clock import FrozenClock
from domain.kernel.errors import InvalidTransition
from domain.kernel.uow import UnitOfWork
from domain.models import Conversation, ConversationEntry, EntryAuthor, StaffRole
from domain.staff.accounts import create_staff
from knowledge.index import KnowledgeIndex
from testkit.openai_script import (
    ScriptedLLM,
    calls,
    completion,
    openai_agent,
    scripted_server,
    tool_call,
)
from tests.integration.test_offline_conversations import sample_index
from tools import ToolDeps, make_tools

__all__ = ["sample_index"]  # the sample world's knowledge, indexed once for the module
pytestmark = pytest.mark.usefixtures("sample_world")
ANA_ON_TELEGRAM = "700001"
ANAS_VISIT_SAID = "Wed 4 Mar, 08:40"  # as the chat says it on Monday 2 March (the sample clock)


class Outbox:
    """A Telegram outlet that keeps what it was asked to send."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, dict[str, Any]]] = []

    async def deliver(self, conversation: Conversation, entry: dict[str, Any]) -> None:
        self.sent.append((conversation.id, entry))

    def said_by(self, author: str) -> list[str]:
        return [entry["text"] for _, entry in self.sent if entry["author"] == author]


class Desk:
    """The hub with one person at the practice, driven turn by turn."""

    def __init__(self, uow: Callable[[], UnitOfWork], agent: ConversationAgent) -> None:
        self.uow = uow
        self.agent = agent
        self.outbox = Outbox()
        self.hub = Hub(
            agent=agent,
            uow=uow,
            bus=EventBus(),
            form_url=lambda path: f"http://test{path}",
            outlets={"telegram": self.outbox},
        )
        self.staff_id = create_staff(
            uow=uow(),
            actor=SYSTEM,
            email="weber@lindenhof.example",
            name="Dr. Anna Weber",
            # Takes a conversation with the agent over unasked: an admin's to do (a provider
            # sees one only once it waits for a person, or once its client is theirs).
            role=StaffRole.ADMIN,
            password=None,
        ).id
        self.conversation_id = ""

    def client_says(self, text: str) -> None:
        async def say() -> None:
            receipt = await self.hub.receive(Inbound("telegram", ANA_ON_TELEGRAM, text))
            self.conversation_id = receipt.conversation_id
            await self.hub.drain()

        asyncio.run(say())

    def staff(self, action: str, text: str = "") -> None:
        async def act() -> None:
            ids = {"staff_id": self.staff_id, "conversation_id": self.conversation_id}
            if action == "reply":
                await self.hub.staff_reply(**ids, text=text, message_id=None)
            else:
                await getattr(self.hub, action)(**ids)
            await self.hub.drain()

        asyncio.run(act())

    def spoken(self) -> list[tuple[str, str]]:
        entries = transcript(uow=self.uow(), conversation_id=self.conversation_id)
        return [(e.author, e.text) for e in entries if e.author != EntryAuthor.TOOL]

    def context(self) -> list[BaseMessage]:
        config = {"configurable": {"thread_id": self.conversation_id}}
        return list(self.agent.graph.get_state(config).values["messages"])  # type: ignore[arg-type]


def after_hand_back(desk: Desk) -> list[str]:
    """The authors of what was said from the hand-back on."""
    authors = [author for author, _ in desk.spoken()]
    return authors[len(authors) - authors[::-1].index(EntryAuthor.SYSTEM) - 1 :]


@pytest.fixture
def fresh_uow(uow: UnitOfWork, clock: FrozenClock) -> Callable[[], UnitOfWork]:
    return lambda: UnitOfWork(uow.engine, clock)


@pytest.fixture
def offline_desk(fresh_uow: Callable[[], UnitOfWork], sample_index: KnowledgeIndex) -> Desk:
    tools = make_tools(ToolDeps(uow=fresh_uow, knowledge=sample_index))
    graph = build_graph(
        model=OfflineChatModel(), tools=tools, uow=fresh_uow, checkpointer=InMemorySaver()
    )
    return Desk(fresh_uow, ConversationAgent(graph, fresh_uow))


def held(desk: Desk, *, client_first: str) -> None:
    """Ana writes, a person takes the conversation over and answers once."""
    desk.client_says(client_first)
    desk.staff("take_over")
    desk.staff("reply", "Dr. Weber here, let me look.")


class TestWithTheOfflineModel:
    def test_what_the_client_said_after_the_persons_last_reply_is_answered(
        self, offline_desk: Desk
    ) -> None:
        held(offline_desk, client_first="Hello")
        offline_desk.client_says("What appointments do I have?")
        assert offline_desk.spoken()[-1] == ("client", "What appointments do I have?")
        offline_desk.staff("hand_back")
        assert after_hand_back(offline_desk) == ["system", "agent"]
        answer = offline_desk.spoken()[-1][1]
        assert ANAS_VISIT_SAID in answer  # Ana's GP visit, from list_bookings
        assert offline_desk.outbox.said_by("agent")[-1] == answer
        assert (
            unseen_by_agent(uow=offline_desk.uow(), conversation_id=offline_desk.conversation_id)
            == []
        )
        # In the agent's context once, in the order it was said.
        texts = [str(m.content) for m in offline_desk.context()]
        assert texts.count("What appointments do I have?") == 1
        assert texts.index("Dr. Weber here, let me look.") < texts.index(
            "What appointments do I have?"
        )

    def test_so_is_it_booked_now_is_answered_from_the_bookings(self, offline_desk: Desk) -> None:
        offline_desk.client_says("I'd like to see a dermatologist on Tuesday")
        offline_desk.client_says("14:30")
        offline_desk.client_says("yes")
        offline_desk.staff("take_over")
        offline_desk.staff("reply", "Your skin check is noted, Ana.")
        offline_desk.client_says("so is it booked now?")
        offline_desk.staff("hand_back")
        answer = offline_desk.spoken()[-1]
        assert answer[0] == "agent"
        assert "tomorrow, 14:30" in answer[1]  # Tuesday, the clock being on Monday 2 March
        assert "Dermatology consultation" in answer[1]
        assert "112" not in answer[1]  # not the emergency notice

    def test_nothing_is_said_when_the_person_answered_last(self, offline_desk: Desk) -> None:
        held(offline_desk, client_first="Hello")
        offline_desk.client_says("Can I bring my daughter?")
        offline_desk.staff("reply", "Yes, of course.")
        offline_desk.staff("hand_back")
        assert after_hand_back(offline_desk) == ["system"]
        assert offline_desk.outbox.said_by("agent") == [
            text for author, text in offline_desk.spoken() if author == "agent"
        ]
        # The agent still knows what was said, for the client's next message.
        assert (
            unseen_by_agent(uow=offline_desk.uow(), conversation_id=offline_desk.conversation_id)
            == []
        )
        assert "Yes, of course." in [str(m.content) for m in offline_desk.context()]

    def test_handing_back_twice_answers_once(self, offline_desk: Desk) -> None:
        held(offline_desk, client_first="Hello")
        offline_desk.client_says("What appointments do I have?")
        offline_desk.staff("hand_back")
        with pytest.raises(InvalidTransition):
            offline_desk.staff("hand_back")
        assert after_hand_back(offline_desk) == ["system", "agent"]
        assert len(offline_desk.outbox.said_by("agent")) == 2  # "Hello", then this answer


class TestWithAnOpenAICompatibleModel:
    @pytest.fixture
    def llm(self) -> Iterator[ScriptedLLM]:
        llm = ScriptedLLM()
        with scripted_server(llm):
            yield llm

    @pytest.fixture
    def openai_desk(
        self,
        fresh_uow: Callable[[], UnitOfWork],
        sample_index: KnowledgeIndex,
        llm: ScriptedLLM,
    ) -> Iterator[Desk]:
        with httpx.Client() as http:
            yield Desk(fresh_uow, openai_agent(fresh_uow, sample_index, http))

    def test_the_unanswered_message_is_the_models_turn(
        self, openai_desk: Desk, llm: ScriptedLLM
    ) -> None:
        llm.add(completion("Hello Ana, how can I help?"))
        held(openai_desk, client_first="Hello")
        openai_desk.client_says("so is it booked now?")
        llm.add(
            calls(tool_call("list_bookings", {})),
            completion(f"Yes: your GP visit with Dr. Keller is on {ANAS_VISIT_SAID}."),
        )
        openai_desk.staff("hand_back")

        asked = llm.requests[1]["messages"]
        users = [m["content"] for m in asked if m["role"] == "user"]
        assert users[-1] == "so is it booked now?"
        assert users.count("so is it booked now?") == 1
        person = [m for m in asked if m["role"] == "assistant" and m.get("name")]
        assert [m["content"] for m in person] == ["Dr. Weber here, let me look."]
        listed = [m["content"] for m in llm.requests[2]["messages"] if m["role"] == "tool"]
        assert ANAS_VISIT_SAID in listed[-1]
        assert after_hand_back(openai_desk) == ["system", "agent"]
        answer = f"Yes: your GP visit with Dr. Keller is on {ANAS_VISIT_SAID}."
        assert openai_desk.spoken()[-1] == ("agent", answer)
        assert openai_desk.outbox.said_by("agent")[-1] == answer
        assert llm.unused == 0

    def test_no_model_call_when_the_person_answered_last(
        self, openai_desk: Desk, llm: ScriptedLLM
    ) -> None:
        llm.add(completion("Hello Ana, how can I help?"))
        held(openai_desk, client_first="Hello")
        openai_desk.staff("hand_back")
        assert len(llm.requests) == 1
        assert after_hand_back(openai_desk) == ["system"]


def test_a_turn_that_fails_to_record_leaves_the_messages_unseen(
    uow: UnitOfWork, fresh_uow: Callable[[], UnitOfWork], offline_desk: Desk
) -> None:
    """The agent's replies and the marks on what it read are written together, or neither."""
    held(offline_desk, client_first="Hello")
    offline_desk.client_says("What appointments do I have?")
    conversation_id = offline_desk.conversation_id
    unseen = [e.id or 0 for e in unseen_by_agent(uow=fresh_uow(), conversation_id=conversation_id)]
    assert len(unseen) == 2  # the person's reply and the client's question
    missing = 10**9  # an entry that is not there: the transaction fails after the reply's insert
    with pytest.raises(Exception, match="No row was found"):
        record_entries(
            uow=fresh_uow(),
            conversation_id=conversation_id,
            entries=[(EntryAuthor.AGENT, "You have one appointment.", {})],
            seen_by_agent=[*unseen, missing],
        )
    with fresh_uow().reading() as reader:
        said = reader.session.exec(
            select(ConversationEntry.text).where(
                col(ConversationEntry.conversation_id) == conversation_id
            )
        ).all()
    assert "You have one appointment." not in said
    still = unseen_by_agent(uow=fresh_uow(), conversation_id=conversation_id)
    assert [e.id for e in still] == unseen
    # Handed back, the agent answers it then, once.
    offline_desk.staff("hand_back")
    assert after_hand_back(offline_desk) == ["system", "agent"]
