"""Conversations in German and Russian on the demo world, through the offline model.

The real agent (offline model, real tools, the demo world's knowledge index) on SQLite and
PostgreSQL: each reply is checked with the service's own detector, the tool calls stay
language-neutral (ids, ISO times), and the language is kept on the conversation and client.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from langgraph.checkpoint.memory import InMemorySaver

from agent.graph import build_graph
from agent.language.detection import written_in
from agent.offline.model import OfflineChatModel
from agent.runner import ConversationAgent, Turn
from domain.kernel.clock import FrozenClock
from domain.kernel.db import make_engine
from domain.kernel.migrate import upgrade_schema
from domain.kernel.uow import UnitOfWork
from domain.models import Client, Conversation, DocumentKind, Service
from domain.world.loader import load_world, read_world
from knowledge.embeddings import MiniLMEmbedder
from knowledge.entries import entries_from_database
from knowledge.index import KnowledgeIndex
from testkit.keys import TEST_KEYRING
from tests.conftest import DEMO_WORLD
from tests.integration.test_offline_conversations import calls
from tools import ToolDeps, make_tools

DEMO_NOW = read_world(DEMO_WORLD).now


@pytest.fixture(scope="module")
def demo_index(
    tmp_path_factory: pytest.TempPathFactory, embedder: MiniLMEmbedder
) -> Iterator[KnowledgeIndex]:
    """The demo world's knowledge and services, indexed once for the module."""
    folder = tmp_path_factory.mktemp("demo-index")
    engine = make_engine(f"sqlite:///{folder / 'world.db'}", keyring=TEST_KEYRING)
    upgrade_schema(engine)
    uow = UnitOfWork(engine, FrozenClock(DEMO_NOW))
    load_world(uow=uow, world=read_world(DEMO_WORLD), base_dir=DEMO_WORLD.parent, source="")
    with KnowledgeIndex.open(folder / "chroma", embedder) as index:
        index.reindex(entries_from_database(UnitOfWork(engine, FrozenClock(DEMO_NOW))))
        yield index
    engine.dispose()


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(DEMO_NOW)


@dataclass
class Talk:
    agent: ConversationAgent
    uow: Callable[[], UnitOfWork]
    client_id: str
    conversation_id: str

    def say(self, text: str) -> Turn:
        return self.agent.send(
            conversation_id=self.conversation_id,
            client_id=self.client_id,
            channel="web",
            text=text,
        )

    def languages(self) -> tuple[str | None, str | None]:
        """The language stored on the conversation and on the client."""
        with self.uow().reading() as reader:
            conversation = reader.session.get_one(Conversation, self.conversation_id)
            client = reader.session.get_one(Client, self.client_id)
            return conversation.language, client.language


StartTalk = Callable[[str], Talk]


@pytest.fixture
def start_talk(uow: UnitOfWork, clock: FrozenClock, demo_index: KnowledgeIndex) -> StartTalk:
    load_world(uow=uow, world=read_world(DEMO_WORLD), base_dir=DEMO_WORLD.parent, source="demo")

    def fresh_uow() -> UnitOfWork:
        return UnitOfWork(uow.engine, clock)

    tools = make_tools(ToolDeps(uow=fresh_uow, knowledge=demo_index))
    graph = build_graph(
        model=OfflineChatModel(), tools=tools, uow=fresh_uow, checkpointer=InMemorySaver()
    )
    agent = ConversationAgent(graph, fresh_uow)
    started = 0

    def start(client_id: str) -> Talk:
        nonlocal started
        started += 1
        return Talk(agent, fresh_uow, client_id, f"talk-{client_id}-{started}")

    return start


def replies_in(turn: Turn) -> set[str | None]:
    """The languages of a turn's replies (None: only times, numbers or names)."""
    return {written_in(reply) for reply in turn.replies} - {None}


def test_a_german_client_books_in_german(start_talk: StartTalk) -> None:
    talk = start_talk("lena-schmidt")
    offered = talk.say("Ich möchte einen Termin bei Dr. Lehmann")
    assert replies_in(offered) == {"de"}
    assert "Welche passt Ihnen?" in offered.replies[-1]
    (searched,) = calls(offered, "check_slots")
    assert searched["provider_id"] == "dr-lehmann"

    asked = talk.say("2")
    assert replies_in(asked) == {"de"}
    assert asked.question is not None
    assert asked.question["options"] == ["Confirm", "Change"]  # what a button answers
    assert asked.question["labels"] == ["Bestätigen", "Ändern"]
    assert "Preis: 80,00\xa0€" in asked.question["question"]
    (held,) = calls(asked, "prefill_booking")
    assert held["start"].startswith("2026-")  # tool arguments stay ISO, in every language

    booked = talk.say("ja")
    assert replies_in(booked) == {"de"}
    assert booked.replies[-1].startswith("Ihr Termin ist gebucht")
    assert talk.languages() == ("de", "de")


def test_a_russian_client_books_in_russian(start_talk: StartTalk) -> None:
    talk = start_talk("markus-wolf")
    offered = talk.say("Мне нужен терапевт завтра утром")
    assert replies_in(offered) == {"ru"}
    assert "завтра, 08:00" in offered.replies[-1]
    assert all(args["date_from"] == "2026-03-10" for args in calls(offered, "check_slots"))

    asked = talk.say("1")
    assert replies_in(asked) == {"ru"}
    assert asked.question is not None
    assert asked.question["labels"][0] == "Подтвердить"

    booked = talk.say("да")
    assert replies_in(booked) == {"ru"}
    assert booked.replies[-1].startswith("Вы записаны")
    assert talk.languages() == ("ru", "ru")


def test_the_clients_language_carries_over_to_their_next_conversation(
    start_talk: StartTalk,
) -> None:
    first = start_talk("markus-wolf")
    first.say("Мне нужен терапевт завтра утром")
    second = start_talk("markus-wolf")
    assert replies_in(second.say("2")) <= {"ru"}
    assert second.languages() == ("ru", "ru")


def test_asking_for_another_language_switches_the_replies(start_talk: StartTalk) -> None:
    talk = start_talk("lena-schmidt")
    assert replies_in(talk.say("Ich möchte einen Termin bei Dr. Lehmann")) == {"de"}
    switched = talk.say("please answer in English")
    assert replies_in(switched) == {"en"}
    assert replies_in(talk.say("ok")) <= {"en"}
    assert talk.languages() == ("en", "en")


def test_an_english_conversation_is_unchanged(start_talk: StartTalk) -> None:
    talk = start_talk("lena-schmidt")
    offered = talk.say("I need a dermatologist tomorrow")
    assert replies_in(offered) == {"en"}
    assert "Which one suits you?" in offered.replies[-1]
    asked = talk.say("1")
    assert asked.question is not None
    assert asked.question["labels"] == ["Confirm", "Change"]
    assert "Price: 80.00 EUR" in asked.question["question"]
    assert talk.languages() == ("en", "en")


def test_replies_use_the_catalogs_translations_where_there_are_any(
    start_talk: StartTalk,
) -> None:
    talk = start_talk("lena-schmidt")
    with talk.uow() as uow:
        service = uow.session.get_one(Service, "derm-consult")
        service.translations = {"de": {"name": "Hautärztliche Sprechstunde"}}
        kind = uow.session.get_one(DocumentKind, "insurance_card")
        kind.translations = {"de": {"name": "Versichertenkarte"}}
        uow.commit()
    offered = talk.say("Ich möchte einen Termin bei Dr. Lehmann")
    assert "für Hautärztliche Sprechstunde:" in offered.replies[-1]
    assert calls(offered, "check_slots")[0]["service_id"] == "derm-consult"
    talk.say("2")
    booked = talk.say("ja")
    assert "Bitte senden oder bringen Sie mit: Versichertenkarte." in booked.replies[-1]

    english = start_talk("markus-wolf")
    said = english.say("I need a dermatologist tomorrow")
    assert "Dermatology consultation" in said.replies[-1]  # no English translation: the original
