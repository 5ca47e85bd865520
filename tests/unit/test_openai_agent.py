"""The OpenAI-compatible path against a scripted server (respx): no network, real wire format.

Tool calls book end to end with the pause before the commit; the requests carry the tool schemas
and the system prompt; usage is recorded; 500, 429, timeouts and malformed tool arguments end in
the polite fallback with nothing half-made; another client's booking stays theirs.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
import respx
from sqlmodel import col, select

from agent.graph import MODEL_ATTEMPTS
from agent.runner import ConversationAgent, Turn
from domain.kernel.clock import FrozenClock
from domain.kernel.db import make_engine
from domain.kernel.migrate import upgrade_schema
from domain.kernel.uow import UnitOfWork
from domain.models import Booking, BookingStatus, DocumentRequest, GeneratedForm, TurnUsage
from domain.world.loader import load_world, read_world
from evals.judge import active_bookings, all_bookings
from knowledge.embeddings import MiniLMEmbedder
from knowledge.index import KnowledgeIndex
from prompts import render
from testkit.keys import TEST_KEYRING
from testkit.openai_script import (
    MODEL,
    Json,
    ScriptedLLM,
    Step,
    calls,
    completion,
    error,
    knowledge_index,
    last_result,
    offered_start,
    openai_agent,
    openai_settings,
    scripted_server,
    tool_call,
    tool_results,
)
from tests.conftest import SAMPLE_NOW, SAMPLE_WORLD

pytestmark = pytest.mark.usefixtures("sample_world")

ALL_TOOLS = {
    "search_providers",
    "check_slots",
    "search_knowledge",
    "handoff_to_human",
    "note_for_practice",
    "identify_client",
    "verify_code",
    "prefill_booking",
    "update_booking_draft",
    "confirm_booking",
    "list_bookings",
    "cancel_booking",
    "reschedule_booking",
    "request_documents",
    "generate_form",
    "get_notification_preferences",
    "set_notification_preferences",
}
# Who is asking comes from the channel, never from the model: no schema may offer these.
IDENTITY_FIELDS = {"client_id", "conversation_id", "channel", "tool_call_id", "config", "actor"}
ANA_GP = ("gp-visit", "dr-keller", "2026-03-04T08:40")
ANA_DERM = ("derm-consult", "dr-weber", "2026-03-03T14:30")
MAX_RETRIES = 1  # the SDK's own retries per model call: one attempt and one retry


@pytest.fixture(scope="module")
def knowledge(tmp_path_factory: pytest.TempPathFactory, embedder: MiniLMEmbedder) -> KnowledgeIndex:
    """The sample world's knowledge index, built once: every test here starts from that world."""
    directory = tmp_path_factory.mktemp("sample-knowledge")
    engine = make_engine(f"sqlite:///{directory / 'world.db'}", keyring=TEST_KEYRING)
    upgrade_schema(engine)
    uow = UnitOfWork(engine, FrozenClock(SAMPLE_NOW))
    load_world(
        uow=uow,
        world=read_world(SAMPLE_WORLD),
        base_dir=SAMPLE_WORLD.parent,
        source=str(SAMPLE_WORLD),
    )
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
def route(llm: ScriptedLLM) -> Iterator[respx.Route]:
    with scripted_server(llm) as route:
        yield route


@pytest.fixture
def agent(
    fresh_uow: Callable[[], UnitOfWork],
    knowledge: KnowledgeIndex,
    route: respx.Route,
) -> Iterator[ConversationAgent]:
    with httpx.Client() as http_client:
        yield openai_agent(
            fresh_uow,
            knowledge,
            http_client,
            settings=openai_settings(max_retries=MAX_RETRIES, timeout_seconds=2),
        )


def send(agent: ConversationAgent, text: str, *, client: str = "ana") -> Turn:
    return agent.send(conversation_id=f"chat-{client}", client_id=client, channel="web", text=text)


def usage_rows(uow: UnitOfWork, conversation_id: str) -> list[tuple[str, int, int]]:
    with uow.reading() as reader:
        rows = reader.session.exec(
            select(TurnUsage)
            .where(col(TurnUsage.conversation_id) == conversation_id)
            .order_by(col(TurnUsage.id))
        )
        return [(r.model, r.prompt_tokens, r.completion_tokens) for r in rows]


def client_bookings(uow: UnitOfWork, client_id: str) -> dict[str, str]:
    """Every booking row of the client, held, released or confirmed, by id."""
    with uow.reading() as reader:
        rows = reader.session.exec(select(Booking).where(col(Booking.client_id) == client_id))
        return {b.id: b.status for b in rows}


def schema_keys(schema: Any) -> set[str]:
    """Every property name anywhere in a JSON schema."""
    if isinstance(schema, list):
        return set().union(*(schema_keys(item) for item in schema))
    if not isinstance(schema, dict):
        return set()
    names = set(schema.get("properties", {}))
    return names.union(*(schema_keys(value) for value in schema.values()))


def afternoon_slots() -> list[Step]:
    """Turn one of a booking: find the dermatologist, look at Tuesday afternoon, offer times."""
    return [
        calls(
            tool_call("search_providers", {"specialty": "dermatology"}),
            prompt_tokens=1101,
            completion_tokens=21,
        ),
        calls(
            tool_call(
                "check_slots",
                {
                    "provider_id": "dr-weber",
                    "service_id": "derm-consult",
                    "date_from": "2026-03-03",
                    "day_from": "12:00",
                },
            ),
            prompt_tokens=1302,
            completion_tokens=42,
        ),
        completion(
            "Dr. Anna Weber is free on Tuesday at 13:00, 13:30, 14:00 and 14:30.",
            prompt_tokens=1503,
            completion_tokens=33,
        ),
    ]


def prefill_at(local_start: str, *, prompt_tokens: int = 1704) -> Callable[[Json], Json]:
    """Hold the start check_slots offered at this local time, exactly as it was offered."""

    def step(body: Json) -> Json:
        provider_id, service_id, start = offered_start(body, local_start)
        args = {"provider_id": provider_id, "service_id": service_id, "start": start}
        return calls(
            tool_call("prefill_booking", args), prompt_tokens=prompt_tokens, completion_tokens=54
        )

    return step


def confirm_draft(body: Json) -> Json:
    booking_id = last_result(body, "prefill_booking")["booking_id"]
    return calls(
        tool_call("confirm_booking", {"booking_id": booking_id}),
        prompt_tokens=1905,
        completion_tokens=25,
    )


def after_booking(body: Json) -> Json:
    booking_id = last_result(body, "confirm_booking")["booking_id"]
    return calls(
        tool_call("request_documents", {"booking_id": booking_id}),
        tool_call("generate_form", {"booking_id": booking_id}),
        prompt_tokens=2106,
        completion_tokens=46,
    )


class TestBookingEndToEnd:
    def test_a_client_books_over_three_turns_with_the_pause_before_the_commit(
        self, agent: ConversationAgent, llm: ScriptedLLM, fresh_uow: Callable[[], UnitOfWork]
    ) -> None:
        llm.add(*afternoon_slots())
        offered = send(agent, "I need a dermatologist on Tuesday afternoon")
        assert [c["name"] for c in offered.tool_calls] == ["search_providers", "check_slots"]
        assert offered.question is None

        llm.add(prefill_at("2026-03-03T14:30"), confirm_draft)
        asked = send(agent, "14:30")
        assert asked.question is not None
        assert asked.question["action"] == "confirm_booking"
        assert "14:30" in asked.question["question"]
        held = asked.question["booking_id"]
        assert client_bookings(fresh_uow(), "ana")[held] == BookingStatus.HOLD
        assert active_bookings(fresh_uow(), "ana") == {ANA_GP}, "committed before the client's yes"
        assert len(llm.requests) == 5

        llm.add(
            after_booking,
            completion(
                "You're booked with Dr. Anna Weber on Tuesday 3 March at 14:30. "
                "Please bring your health insurance card.",
                prompt_tokens=2307,
                completion_tokens=37,
            ),
        )
        booked = send(agent, "yes")
        assert booked.question is None
        assert [c["name"] for c in booked.tool_calls] == ["request_documents", "generate_form"]

        uow = fresh_uow()
        assert active_bookings(uow, "ana") == {ANA_GP, ANA_DERM}
        with uow.reading() as reader:
            requested = reader.session.exec(
                select(DocumentRequest).where(col(DocumentRequest.booking_id) == held)
            ).all()
            forms = reader.session.exec(
                select(GeneratedForm).where(col(GeneratedForm.booking_id) == held)
            ).all()
            assert [(r.client_id, r.kind_id) for r in requested] == [("ana", "insurance_card")]
            assert [f.template_id for f in forms] == ["medical-intake"]
            assert forms[0].content, "the form was generated"
        assert llm.unused == 0
        assert len(llm.requests) == 7

    def test_every_request_carries_all_tool_schemas_and_none_asks_who_the_client_is(
        self, agent: ConversationAgent, llm: ScriptedLLM
    ) -> None:
        book_derm_at_1430(agent, llm)
        for body in llm.requests:
            tools = {t["function"]["name"]: t for t in body["tools"]}
            assert set(tools) == ALL_TOOLS
            for name, tool in tools.items():
                assert tool["type"] == "function"
                assert tool["function"]["description"], name
                parameters = tool["function"]["parameters"]
                assert parameters["type"] == "object", name
                assert not schema_keys(parameters) & IDENTITY_FIELDS, name
        check_slots = {t["function"]["name"]: t for t in llm.requests[0]["tools"]}["check_slots"]
        assert check_slots["function"]["parameters"]["required"] == ["date_from"]

    def test_the_system_prompt_carries_the_time_the_zone_the_policies_and_the_client(
        self, agent: ConversationAgent, llm: ScriptedLLM
    ) -> None:
        book_derm_at_1430(agent, llm)
        for body in llm.requests:
            system = body["messages"][0]
            assert system["role"] == "system"
            for fact in (
                "2026-03-02T09:00+01:00",
                "Europe/Berlin",
                "120 minutes",
                "60 days",
                "10 minutes",
                "24 hours",
                "Ana Silva",
            ):
                assert fact in system["content"]
            assert [m["role"] for m in body["messages"]].count("system") == 1

    def test_tool_results_go_back_to_the_model_as_tool_messages(
        self, agent: ConversationAgent, llm: ScriptedLLM
    ) -> None:
        book_derm_at_1430(agent, llm)
        last = llm.requests[-1]["messages"]
        asked = {
            call["id"]
            for m in last
            if m["role"] == "assistant"
            for call in m.get("tool_calls") or []
        }
        answered = [m["tool_call_id"] for m in last if m["role"] == "tool"]
        assert sorted(answered) == sorted(asked)
        results = tool_results(llm.requests[-1])
        # The first turn's searches went back in that turn's requests; by the last call they
        # have left the window (tests/unit/test_compact_prompt.py).
        assert [name for name, _ in tool_results(llm.requests[2])] == [
            "search_providers",
            "check_slots",
        ]
        assert [name for name, _ in results] == [
            "prefill_booking",
            "confirm_booking",
            "request_documents",
            "generate_form",
        ]
        summaries = dict(results)
        assert summaries["prefill_booking"]["status"] == BookingStatus.HOLD
        assert summaries["confirm_booking"]["status"] == BookingStatus.CONFIRMED
        assert summaries["confirm_booking"]["start"] == "tomorrow, 14:30"

    def test_the_tokens_of_every_model_call_are_recorded_with_the_conversation(
        self, agent: ConversationAgent, llm: ScriptedLLM, fresh_uow: Callable[[], UnitOfWork]
    ) -> None:
        book_derm_at_1430(agent, llm)
        assert usage_rows(fresh_uow(), "chat-ana") == [
            (MODEL, 1101, 21),
            (MODEL, 1302, 42),
            (MODEL, 1503, 33),
            (MODEL, 1704, 54),
            (MODEL, 1905, 25),
            (MODEL, 2106, 46),
            (MODEL, 2307, 37),
        ]


def book_derm_at_1430(agent: ConversationAgent, llm: ScriptedLLM) -> None:
    llm.add(*afternoon_slots())
    send(agent, "I need a dermatologist on Tuesday afternoon")
    llm.add(prefill_at("2026-03-03T14:30"), confirm_draft)
    send(agent, "14:30")
    llm.add(after_booking, completion("Booked.", prompt_tokens=2307, completion_tokens=37))
    send(agent, "yes")
    assert llm.unused == 0


class TestSameDayBooking:
    def test_the_summary_and_a_later_refusal_say_whom_to_call(
        self, agent: ConversationAgent, llm: ScriptedLLM
    ) -> None:
        llm.add(
            calls(
                tool_call(
                    "check_slots",
                    {
                        "provider_id": "dr-weber",
                        "service_id": "derm-consult",
                        "date_from": "2026-03-02",
                        "day_from": "12:00",
                    },
                )
            ),
            completion("Dr. Anna Weber is free today at 13:00, 13:30, 14:00 and 14:30."),
        )
        send(agent, "A dermatologist this afternoon, please")
        llm.add(prefill_at("2026-03-02T14:30"), confirm_draft)
        asked = send(agent, "14:30")
        drafted = last_result(llm.requests[-1], "prefill_booking")
        assert drafted["changeable_online_until"] == "Sun 1 Mar, 14:30"
        assert "once booked it can no longer be changed online" in drafted["change_note"]
        assert asked.question is not None
        assert drafted["change_note"] in asked.question["question"]

        llm.add(after_booking, completion("Booked."))
        send(agent, "yes")

        def cancel_it(body: Json) -> Json:
            listed = last_result(body, "list_bookings")
            today = next(b for b in listed if b["start_iso"].startswith("2026-03-02"))
            return calls(tool_call("cancel_booking", {"booking_id": today["booking_id"]}))

        llm.add(
            calls(tool_call("list_bookings", {})),
            cancel_it,
            completion("Sorry, I can't cancel it here; please call the practice."),
        )
        refused = send(agent, "Cancel today's appointment")
        assert refused.question is None
        error = last_result(llm.requests[-1], "cancel_booking")["error"]
        assert error.startswith("This appointment can no longer be changed online")
        assert "booked less than 24 hours before it starts" in error
        assert "call the practice on +49 30 2345 6780" in error
        assert ("derm-consult", "dr-weber", "2026-03-02T14:30") in active_bookings(
            agent.uow(), "ana"
        )
        assert llm.unused == 0

    def test_a_booking_well_ahead_carries_no_note(
        self, agent: ConversationAgent, llm: ScriptedLLM
    ) -> None:
        llm.add(*afternoon_slots())
        send(agent, "I need a dermatologist on Tuesday afternoon")
        llm.add(prefill_at("2026-03-03T14:30"), confirm_draft)
        asked = send(agent, "14:30")
        drafted = last_result(llm.requests[-1], "prefill_booking")
        assert drafted["change_note"] is None
        assert asked.question is not None
        assert "changed online" not in asked.question["question"]


MALFORMED = '{"provider_id": "dr-weber", "service_id": "derm-consult", "start": "2026-03-03T14:'
FAILURES: dict[str, tuple[Callable[[], Step], int]] = {
    # what every attempt gets, and how many HTTP requests the bounded retries come to
    "http-500": (lambda: error(500), 1 + MAX_RETRIES),
    "http-429": (lambda: error(429, "Rate limit reached"), 1 + MAX_RETRIES),
    "timeout": (lambda: httpx.ReadTimeout("scripted: the server did not answer"), 1 + MAX_RETRIES),
    "invalid-json-arguments": (
        lambda: calls(tool_call("prefill_booking", MALFORMED)),
        MODEL_ATTEMPTS,
    ),
}


class TestFailuresEndInThePoliteFallback:
    @pytest.mark.parametrize("failure", FAILURES, ids=list(FAILURES))
    def test_a_failing_model_gets_a_polite_reply_and_books_nothing(
        self,
        failure: str,
        agent: ConversationAgent,
        llm: ScriptedLLM,
        route: respx.Route,
        fresh_uow: Callable[[], UnitOfWork],
    ) -> None:
        fail, attempts = FAILURES[failure]
        before = all_bookings(fresh_uow())
        llm.add(*(fail() for _ in range(attempts)))

        turn = send(agent, "Book me the dermatologist on Tuesday at 14:30")

        assert turn.replies == [render("fallback")]
        assert (turn.question, turn.tool_calls) == (None, [])
        assert route.call_count == attempts
        assert llm.unused == 0
        assert all_bookings(fresh_uow()) == before

    @pytest.mark.parametrize("failure", FAILURES, ids=list(FAILURES))
    def test_a_failure_after_the_hold_gives_the_slot_back(
        self,
        failure: str,
        agent: ConversationAgent,
        llm: ScriptedLLM,
        route: respx.Route,
        fresh_uow: Callable[[], UnitOfWork],
    ) -> None:
        llm.add(*afternoon_slots())
        send(agent, "I need a dermatologist on Tuesday afternoon")
        fail, attempts = FAILURES[failure]
        llm.add(prefill_at("2026-03-03T14:30"), *(fail() for _ in range(attempts)))
        calls_before = route.call_count

        turn = send(agent, "14:30")

        assert turn.replies == [render("fallback")]
        assert turn.question is None
        assert route.call_count - calls_before == 1 + attempts
        statuses = client_bookings(fresh_uow(), "ana")
        assert active_bookings(fresh_uow(), "ana") == {ANA_GP}
        assert BookingStatus.HOLD not in statuses.values(), "a hold outlived the failed turn"
        assert sorted(statuses.values()) == [BookingStatus.CONFIRMED, BookingStatus.RELEASED]

    def test_a_failure_after_the_clients_yes_keeps_the_booking(
        self, agent: ConversationAgent, llm: ScriptedLLM, fresh_uow: Callable[[], UnitOfWork]
    ) -> None:
        llm.add(*afternoon_slots())
        send(agent, "I need a dermatologist on Tuesday afternoon")
        llm.add(prefill_at("2026-03-03T14:30"), confirm_draft)
        send(agent, "14:30")
        llm.add(error(503), error(503))

        turn = send(agent, "yes")

        assert turn.replies == [render("fallback")]
        assert active_bookings(fresh_uow(), "ana") == {ANA_GP, ANA_DERM}

    def test_a_failed_turn_keeps_the_conversation_going(
        self, agent: ConversationAgent, llm: ScriptedLLM, fresh_uow: Callable[[], UnitOfWork]
    ) -> None:
        llm.add(error(500), error(500))
        assert send(agent, "I need a dermatologist on Tuesday afternoon").replies == [
            render("fallback")
        ]
        book_derm_at_1430(agent, llm)
        assert active_bookings(fresh_uow(), "ana") == {ANA_GP, ANA_DERM}


class TestRecovery:
    def test_malformed_arguments_once_then_a_valid_answer_uses_the_valid_one(
        self,
        agent: ConversationAgent,
        llm: ScriptedLLM,
        route: respx.Route,
        fresh_uow: Callable[[], UnitOfWork],
    ) -> None:
        llm.add(
            calls(tool_call("search_providers", '{"specialty": "dermat'), prompt_tokens=900),
            calls(tool_call("search_providers", {"specialty": "dermatology"}), prompt_tokens=901),
            completion("Dr. Anna Weber is our dermatologist.", prompt_tokens=1200),
        )

        turn = send(agent, "Who is your dermatologist?")

        assert turn.replies == ["Dr. Anna Weber is our dermatologist."]
        assert [(c["name"], c["args"]) for c in turn.tool_calls] == [
            ("search_providers", {"specialty": "dermatology"})
        ]
        assert route.call_count == 3
        first, second, third = llm.requests
        assert second["messages"] == first["messages"], "the malformed answer was not kept"
        assert last_result(third, "search_providers")[0]["provider_id"] == "dr-weber"
        assert [tokens for _, tokens, _ in usage_rows(fresh_uow(), "chat-ana")] == [900, 901, 1200]


NOT_FOUND = "No booking with that reference was found."
ANAS_SECRETS = ("08:40", "A123456789", "1990-04-12", "Keller", "gp-visit", "Ana")
REACHING_FOR_ANAS = {
    "cancel_booking": {},
    "reschedule_booking": {"new_start": "2026-03-05T10:00:00+01:00"},
    "confirm_booking": {},
    "update_booking_draft": {"new_start": "2026-03-04T09:00:00+01:00"},
    "request_documents": {},
    "generate_form": {},
}


class TestAnotherClientsBooking:
    @pytest.mark.parametrize("tool", REACHING_FOR_ANAS, ids=list(REACHING_FOR_ANAS))
    def test_is_refused_as_not_found_and_nothing_of_hers_is_revealed(
        self,
        tool: str,
        agent: ConversationAgent,
        llm: ScriptedLLM,
        fresh_uow: Callable[[], UnitOfWork],
    ) -> None:
        before = all_bookings(fresh_uow())
        extra = REACHING_FOR_ANAS[tool]
        llm.add(
            calls(tool_call(tool, {"booking_id": "b-ana-gp", **extra})),
            completion("I could not find that booking."),
            calls(tool_call(tool, {"booking_id": "b-no-such-booking", **extra})),
            completion("I could not find that booking."),
        )

        turn = send(agent, "Cancel booking b-ana-gp, it is my wife's", client="tom")
        send(agent, "And b-no-such-booking?", client="tom")

        assert turn.question is None, "tom was asked to confirm a change to ana's booking"
        refusal = llm.requests[1]["messages"][-1]
        assert refusal["role"] == "tool"
        assert json.loads(refusal["content"]) == {"error": NOT_FOUND, "code": "not_found"}
        missing = llm.requests[3]["messages"][-1]
        assert missing["content"] == refusal["content"], "her booking's existence shows"
        said = json.dumps(llm.requests[-1]) + " ".join(turn.replies)
        assert not [secret for secret in ANAS_SECRETS if secret in said]
        assert all_bookings(fresh_uow()) == before
        assert active_bookings(fresh_uow(), "ana") == {ANA_GP}
        uow = fresh_uow()
        with uow.reading() as reader:
            assert not reader.session.exec(
                select(DocumentRequest).where(col(DocumentRequest.booking_id) == "b-ana-gp")
            ).all()
            assert not reader.session.exec(
                select(GeneratedForm).where(col(GeneratedForm.booking_id) == "b-ana-gp")
            ).all()
