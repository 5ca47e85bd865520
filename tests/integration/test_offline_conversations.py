"""Conversations with the offline model: finding providers, offering times, picking one.

Each test talks to the real agent (offline model, real tools, the sample world's knowledge
index) turn by turn and checks structure: the tools called and their arguments, the times
offered, the database. The sample world's clock stands at Monday 2 March 2026, 09:00 Berlin.
The helpers here are shared by the other test_offline_conversations_* modules.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from langgraph.checkpoint.memory import InMemorySaver
from sqlalchemy import Engine
from sqlmodel import col, select

from agent.graph import build_graph
from agent.offline.model import OfflineChatModel
from agent.runner import ConversationAgent, Turn
from domain.kernel.clock import FrozenClock
from domain.kernel.db import make_engine
from domain.kernel.migrate import upgrade_schema
from domain.kernel.uow import UnitOfWork
from domain.models import Booking, BookingStatus
from domain.world.loader import load_world, read_world
from domain.world.schema import WorldIn
from knowledge.embeddings import MiniLMEmbedder
from knowledge.entries import entries_from_database
from knowledge.index import KnowledgeIndex
from testkit.keys import TEST_KEYRING
from testkit.when_labels import LABEL, label_wall_time
from tests.conftest import SAMPLE_NOW, SAMPLE_WORLD
from tools import ToolDeps, make_tools

BERLIN = ZoneInfo("Europe/Berlin")
SAMPLE_TODAY = SAMPLE_NOW.date()
NUMBERED_LINE = re.compile(r"^\s*\d+\.\s+(.*)$", re.M)


@dataclass
class Chat:
    """One client's conversation with the agent."""

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

    def bookings(self, *statuses: BookingStatus) -> list[Booking]:
        """Return the client's bookings, soonest first, in any of these statuses."""
        with self.uow().reading() as reader:
            query = select(Booking).where(col(Booking.client_id) == self.client_id)
            if statuses:
                query = query.where(col(Booking.status).in_(statuses))
            return list(reader.session.exec(query.order_by(col(Booking.starts_at))))

    def confirmed_starts(self) -> list[str]:
        """Return the local starts of the client's confirmed bookings, as labels."""
        return [label(b.starts_at) for b in self.bookings(BookingStatus.CONFIRMED)]


StartChat = Callable[[str], Chat]


@pytest.fixture(scope="module")
def sample_index(
    tmp_path_factory: pytest.TempPathFactory, embedder: MiniLMEmbedder
) -> Iterator[KnowledgeIndex]:
    """The sample world's knowledge and services, indexed once for the module."""
    folder = tmp_path_factory.mktemp("sample-index")
    engine = make_engine(f"sqlite:///{folder / 'world.db'}", keyring=TEST_KEYRING)
    upgrade_schema(engine)
    world = read_world(SAMPLE_WORLD)
    load_world(uow=_world_uow(engine), world=world, base_dir=SAMPLE_WORLD.parent, source="")
    with KnowledgeIndex.open(folder / "chroma", embedder) as index:
        index.reindex(entries_from_database(_world_uow(engine)))
        yield index
    engine.dispose()


def _world_uow(engine: Engine) -> UnitOfWork:
    return UnitOfWork(engine, FrozenClock(SAMPLE_NOW))


@pytest.fixture
def start_chat(
    uow: UnitOfWork, clock: FrozenClock, sample_world: WorldIn, sample_index: KnowledgeIndex
) -> StartChat:
    """Start conversations with the real agent over the sample world."""
    return chat_starter(uow, clock, sample_index)


def chat_starter(uow: UnitOfWork, clock: FrozenClock, index: KnowledgeIndex) -> StartChat:
    """Start conversations with the real offline agent over the world in `uow`'s database,
    its knowledge answered from `index`; each conversation gets an id of its own."""

    def fresh_uow() -> UnitOfWork:
        return UnitOfWork(uow.engine, clock)

    tools = make_tools(ToolDeps(uow=fresh_uow, knowledge=index))
    graph = build_graph(
        model=OfflineChatModel(), tools=tools, uow=fresh_uow, checkpointer=InMemorySaver()
    )
    agent = ConversationAgent(graph, fresh_uow)
    started = 0

    def start(client_id: str) -> Chat:
        nonlocal started
        started += 1
        return Chat(agent, fresh_uow, client_id, f"chat-{client_id}-{started}")

    return start


def label(instant: datetime) -> str:
    """Format a stored instant in Berlin with its year, to compare starts: 'Tue 3 Mar 2026, 14:30'.

    The chat says dates relative to its clock ('tomorrow, 14:30'); read those with `offered`
    or testkit.when_labels, not by comparing them with this.
    """
    local = instant.astimezone(BERLIN)
    return f"{local:%a} {local.day} {local:%b %Y}, {local:%H:%M}"


def calls(turn: Turn, name: str | None = None) -> list[dict[str, Any]]:
    """Return the arguments of the tool calls this turn made (of one tool, if named)."""
    return [call["args"] for call in turn.tool_calls if name is None or call["name"] == name]


def called(turn: Turn) -> list[str]:
    return [call["name"] for call in turn.tool_calls]


def text(turn: Turn) -> str:
    return "\n".join(turn.replies)


def _offered_lines(turn: Turn, today: date) -> list[tuple[datetime, str]]:
    """Return each listed time ('tomorrow, 09:00' read from `today`) and what follows."""
    lines = []
    for line in NUMBERED_LINE.findall(text(turn)):
        found = LABEL.match(line)
        if found is not None:
            when = label_wall_time(found.group(0), today=today)
            lines.append((when, line[found.end() :]))
    return lines


def offered(turn: Turn, *, today: date = SAMPLE_TODAY) -> list[datetime]:
    """Return the times listed in this turn's offer, in the order shown.

    `today` is the day of the chat's clock (the sample world's unless said), from which
    'today' and 'tomorrow' are read.
    """
    return [when for when, _ in _offered_lines(turn, today)]


def offered_with(turn: Turn) -> list[str]:
    """Return what follows each listed time (the provider, when several are offered)."""
    return [rest for _, rest in _offered_lines(turn, SAMPLE_TODAY)]


def checked_providers(turn: Turn) -> set[str]:
    return {str(args.get("provider_id")) for args in calls(turn, "check_slots")}


def checked_services(turn: Turn) -> set[str]:
    return {str(args.get("service_id")) for args in calls(turn, "check_slots")}


def held_start(turn: Turn, tool: str = "prefill_booking") -> datetime:
    """Return the start the turn held, as the tool was asked for it."""
    (args,) = [a for a in calls(turn, tool) if a.get("start") or a.get("new_start")]
    return datetime.fromisoformat(args.get("start") or args["new_start"])


class TestFindingProviders:
    def test_a_symptom_finds_the_provider_who_treats_it(self, start_chat: StartChat) -> None:
        turn = start_chat("ana").say("My skin itches.")
        assert "search_providers" in called(turn)
        assert checked_providers(turn) == {"dr-weber"}
        assert offered(turn)
        assert "Dr. Anna Weber" in text(turn)

    def test_a_legal_problem_finds_the_family_lawyer(self, start_chat: StartChat) -> None:
        turn = start_chat("tom").say("I need help with a divorce")
        assert checked_providers(turn) == {"lawyer-brandt"}
        assert offered(turn)
        assert "Lukas Brandt" in text(turn)

    def test_a_specialty_finds_only_its_specialists(self, start_chat: StartChat) -> None:
        turn = start_chat("ana").say("I'd like to see a dermatologist")
        assert checked_providers(turn) == {"dr-weber"}
        assert "Keller" not in text(turn)

    def test_a_service_finds_who_offers_it(self, start_chat: StartChat) -> None:
        turn = start_chat("tom").say("I need a notarial certification")
        assert checked_providers(turn) == {"notary-marin"}
        assert "Sofia Marin" in text(turn)

    def test_a_provider_name_finds_that_provider(self, start_chat: StartChat) -> None:
        turn = start_chat("tom").say("Can I book Dr. Keller?")
        (search,) = calls(turn, "search_providers")
        assert "Keller" in str(search.get("provider_name"))
        assert checked_providers(turn) == {"dr-keller"}

    def test_a_location_limits_the_search_to_providers_there(self, start_chat: StartChat) -> None:
        turn = start_chat("tom").say("Someone in Charlottenburg, please")
        (search,) = calls(turn, "search_providers")
        assert search.get("location") == "Charlottenburg"
        assert checked_providers(turn) == {"lawyer-brandt", "notary-marin"}
        assert "Weber" not in text(turn)
        assert "Keller" not in text(turn)

    def test_a_specialist_nobody_offers_there_is_not_offered(self, start_chat: StartChat) -> None:
        turn = start_chat("ana").say("I'd like a dermatologist in Charlottenburg")
        searched = calls(turn, "search_providers")
        assert all(search.get("location") == "Charlottenburg" for search in searched)
        assert "check_slots" not in called(turn)
        assert offered(turn) == []
        assert turn.question is None

    def test_a_place_the_practice_has_no_site_in_is_no_filter(self, start_chat: StartChat) -> None:
        turn = start_chat("ana").say(
            "My sister in Hamburg has it too. Can a dermatologist see my rash?"
        )
        first, *_, last = calls(turn, "search_providers")
        assert first.get("location") == "Hamburg"
        assert "location" not in last
        assert checked_providers(turn) == {"dr-weber"}


class TestOfferingTimes:
    def test_a_day_offers_times_on_that_day(self, start_chat: StartChat) -> None:
        turn = start_chat("tom").say("Can I see Dr. Keller on Thursday?")
        times = offered(turn)
        assert times
        assert {t.date().isoformat() for t in times} == {"2026-03-05"}

    def test_a_part_of_the_day_offers_times_within_it(self, start_chat: StartChat) -> None:
        turn = start_chat("ana").say("I'd like to see a dermatologist on Tuesday afternoon")
        times = offered(turn)
        assert times
        assert {t.date().isoformat() for t in times} == {"2026-03-03"}
        assert all(time(12) <= t.time() < time(17) for t in times)

    def test_after_a_time_offers_only_later_starts(self, start_chat: StartChat) -> None:
        turn = start_chat("tom").say("Dr. Keller after 3pm please")
        (check,) = calls(turn, "check_slots")
        assert check.get("day_from") == "15:00"
        times = offered(turn)
        assert times
        assert all(t.time() >= time(15) for t in times)

    def test_as_soon_as_possible_offers_the_earliest_free_times(
        self, start_chat: StartChat
    ) -> None:
        turn = start_chat("ana").say("I need to see Dr. Weber as soon as possible")
        times = offered(turn)
        # Two hours' notice from 09:00 on Monday: 11:00 is the first start anyone may book.
        assert times[0] == datetime(2026, 3, 2, 11, 0)
        assert times == sorted(times)

    def test_the_next_free_ones_come_from_now_on(self, start_chat: StartChat) -> None:
        chat = start_chat("tom")
        chat.say("Can I see Dr. Keller on Thursday?")
        turn = chat.say("What are the next free ones?")
        assert checked_providers(turn) == {"dr-keller"}
        assert offered(turn)[0] == datetime(2026, 3, 2, 11, 0)

    def test_a_time_inside_the_notice_is_refused_with_the_practices_notice(
        self, start_chat: StartChat
    ) -> None:
        turn = start_chat("tom").say("Can I see Dr. Keller today at 10?")
        (search,) = calls(turn, "check_slots")
        assert search["at"] == "10:00"
        assert "120 minutes' notice" in text(turn)
        assert offered(turn)[0] == datetime(2026, 3, 2, 11, 0)

    def test_a_day_past_the_booking_window_is_refused_with_the_last_bookable_day(
        self, start_chat: StartChat
    ) -> None:
        turn = start_chat("tom").say("Can I see Dr. Keller on 20 June?")
        assert "60 days ahead" in text(turn)
        assert "1 May" in text(turn)
        assert not offered(turn)

    def test_the_earliest_of_those_listed_is_the_first_of_them(self, start_chat: StartChat) -> None:
        chat = start_chat("tom")
        offer = chat.say("Can I see Dr. Keller on Thursday?")
        turn = chat.say("the earliest please")
        assert held_start(turn).replace(tzinfo=None) == offered(offer)[0]

    def test_a_new_need_with_a_time_is_a_new_search_not_other_times(
        self, start_chat: StartChat
    ) -> None:
        chat = start_chat("tom")
        chat.say("I need a dermatologist tomorrow morning")
        turn = chat.say("I need a GP tomorrow morning")
        assert checked_providers(turn) == {"dr-keller"}

    def test_a_search_with_several_providers_offers_each_of_them(
        self, start_chat: StartChat
    ) -> None:
        turn = start_chat("ana").say("I'd like to see a doctor in Berlin Mitte")
        assert checked_providers(turn) == {"dr-weber", "dr-keller"}
        shown = " ".join(offered_with(turn))
        assert "Dr. Anna Weber" in shown
        assert "Dr. Jonas Keller" in shown

    def test_a_provider_named_among_those_offered_narrows_the_same_days_to_them(
        self, start_chat: StartChat
    ) -> None:
        chat = start_chat("ana")
        offer = chat.say("I'd like to see a doctor in Berlin Mitte on Wednesday")
        assert checked_providers(offer) == {"dr-weber", "dr-keller"}
        turn = chat.say("10 w keller")
        (prefill,) = calls(turn, "prefill_booking")
        assert prefill["provider_id"] == "dr-keller"
        assert held_start(turn) == datetime(2026, 3, 4, 10, 0, tzinfo=BERLIN)

    def test_a_day_without_free_times_offers_the_days_after(self, start_chat: StartChat) -> None:
        turn = start_chat("tom").say("Can I see Lukas Brandt on Monday?")
        assert len(calls(turn, "check_slots")) == 2
        times = offered(turn)
        assert times
        assert all(t.date().isoformat() > "2026-03-09" for t in times)
        assert "Monday" in text(turn)

    def test_a_time_of_day_without_free_times_offers_other_times(
        self, start_chat: StartChat
    ) -> None:
        turn = start_chat("tom").say("Can I see Sofia Marin in the evening?")
        first, *_, last = calls(turn, "check_slots")
        assert first.get("day_from") == "17:00"
        assert "day_from" not in last
        assert offered(turn)
        assert "evening" in text(turn)


class TestPickingATime:
    def test_a_clock_time_picks_that_start(self, start_chat: StartChat) -> None:
        chat = start_chat("ana")
        chat.say("I'd like to see a dermatologist on Tuesday afternoon")
        turn = chat.say("14:30")
        assert held_start(turn) == datetime.fromisoformat("2026-03-03T14:30:00+01:00")
        assert turn.question is not None
        assert turn.question["action"] == "confirm_booking"

    def test_a_time_with_am_picks_that_start(self, start_chat: StartChat) -> None:
        chat = start_chat("tom")
        chat.say("I need a notary next Monday")
        turn = chat.say("10 am")
        assert held_start(turn) == datetime.fromisoformat("2026-03-09T10:00:00+01:00")

    def test_a_position_picks_that_listed_time(self, start_chat: StartChat) -> None:
        chat = start_chat("ana")
        times = offered(chat.say("I'd like to see a dermatologist on Tuesday"))
        turn = chat.say("the second one")
        assert held_start(turn).replace(tzinfo=None) == times[1]

    def test_a_position_picks_among_several_providers(self, start_chat: StartChat) -> None:
        chat = start_chat("tom")
        offer = chat.say("Someone in Charlottenburg, please")
        times, providers = offered(offer), offered_with(offer)
        turn = chat.say("the third one")
        (prefill,) = calls(turn, "prefill_booking")
        assert held_start(turn).replace(tzinfo=None) == times[2]
        name = {"lawyer-brandt": "Lukas Brandt", "notary-marin": "Sofia Marin"}
        assert name[prefill["provider_id"]] in providers[2]

    def test_a_time_with_a_providers_name_picks_that_providers_start(
        self, start_chat: StartChat
    ) -> None:
        chat = start_chat("tom")
        chat.say("Someone in Charlottenburg, please")
        # Both have Tuesday 11:00 free; Lukas Brandt would come first in the list.
        turn = chat.say("Tuesday at 11 with Sofia Marin")
        (prefill,) = calls(turn, "prefill_booking")
        assert prefill["provider_id"] == "notary-marin"
        assert held_start(turn) == datetime.fromisoformat("2026-03-03T11:00:00+01:00")

    def test_a_new_day_offers_that_day_with_the_same_provider(self, start_chat: StartChat) -> None:
        chat = start_chat("tom")
        chat.say("Can I book Dr. Keller?")
        turn = chat.say("Friday instead")
        (check,) = calls(turn, "check_slots")
        assert (check["provider_id"], check["service_id"]) == ("dr-keller", "gp-visit")
        times = offered(turn)
        assert times
        assert {t.date().isoformat() for t in times} == {"2026-03-06"}
        assert "prefill_booking" not in called(turn)
