"""The OpenAI path's compact prompt: a window of recent messages the API accepts, a dialogue
state that carries what older turns established, and tool definitions without schema noise.

The offline model still gets the whole transcript; the checkpoint always keeps it.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from langchain_core.messages import (
    AIMessage,
    BaseMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)

from agent.context import model_prompt
from agent.dialogue_state import dialogue_state
from agent.tool_definitions import compact_definitions, compact_schema
from agent.window import RECENT_MESSAGES, recent_messages
from tools import ToolDeps, make_tools

DERM_STARTS = ["2026-03-03T13:00:00+01:00", "2026-03-03T13:30:00+01:00"]
GP_STARTS = ["2026-03-05T14:00:00+01:00", "2026-03-05T15:00:00+01:00"]


def summary(booking_id: str, status: str, **extra: Any) -> dict[str, Any]:
    return {
        "booking_id": booking_id,
        "status": status,
        "service": "Dermatology consultation",
        "provider": "Dr. Anna Weber",
        "location": "Berlin Mitte",
        "start": "Tue 3 Mar 2026, 13:30",
        "start_iso": "2026-03-03T13:30:00+01:00",
        "price": "80.00",
        "currency": "EUR",
        "intake": {"date_of_birth": "1990-04-12"},
        "missing": ["insurance_number"],
        **extra,
    }


class Transcript:
    """Builds a transcript turn by turn, with tool calls answered as the graph answers them."""

    def __init__(self) -> None:
        self.messages: list[BaseMessage] = []
        self.calls = 0

    def client(self, text: str) -> Transcript:
        self.messages.append(HumanMessage(text))
        return self

    def agent(self, text: str) -> Transcript:
        self.messages.append(AIMessage(text))
        return self

    def tools(self, *uses: tuple[str, dict[str, Any], Any]) -> Transcript:
        """One model step calling these tools, then their results in order."""
        ids = [f"call_{self.calls + n}" for n in range(len(uses))]
        self.calls += len(uses)
        self.messages.append(
            AIMessage(
                "",
                tool_calls=[
                    {"id": call_id, "name": name, "args": args, "type": "tool_call"}
                    for call_id, (name, args, _) in zip(ids, uses, strict=True)
                ],
            )
        )
        self.messages += [
            ToolMessage(json.dumps(result), tool_call_id=call_id, name=name)
            for call_id, (name, _, result) in zip(ids, uses, strict=True)
        ]
        return self


def offer(provider_id: str, service_id: str, starts: list[str]) -> list[dict[str, Any]]:
    return [
        {
            "provider_id": provider_id,
            "provider": "someone",
            "service_id": service_id,
            "service": "something",
            "starts": [{"start": start, "label": start} for start in starts],
        }
    ]


def booking_chat(turns: int) -> Transcript:
    """A dermatology booking under way after `turns` small-talk turns with a knowledge search."""
    chat = Transcript()
    for n in range(turns):
        chat.client(f"question {n}")
        chat.tools(("search_knowledge", {"query": f"q{n}"}, [{"text": f"answer {n}"}]))
        chat.agent(f"reply {n}")
    chat.client("A dermatologist on Tuesday afternoon")
    chat.tools(
        ("check_slots", {"provider_id": "dr-weber", "date_from": "2026-03-03"}, []),
        (
            "check_slots",
            {"provider_id": "dr-weber", "date_from": "2026-03-03", "day_from": "13:00"},
            offer("dr-weber", "derm-consult", DERM_STARTS),
        ),
    )
    chat.agent("13:00 or 13:30?")
    chat.client("13:30")
    chat.tools(("prefill_booking", {"start": DERM_STARTS[1]}, summary("b-derm", "hold")))
    chat.agent("What is your insurance number?")
    return chat


def assert_valid_for_the_api(window: list[BaseMessage]) -> None:
    """Each tool result follows the assistant message that called it; each call is answered."""
    asked: set[str] = set()
    for message in window:
        if isinstance(message, ToolMessage):
            assert message.tool_call_id in asked, "a tool result without its call"
        elif isinstance(message, AIMessage):
            asked = {str(call["id"]) for call in message.tool_calls}
            answered = {m.tool_call_id for m in window if isinstance(m, ToolMessage)}
            assert asked <= answered, "a call without its result"
        else:
            asked = set()


class TestTheWindow:
    def test_a_short_conversation_is_sent_whole(self) -> None:
        chat = Transcript().client("hi").agent("Hello!").client("Where are you?")
        assert recent_messages(chat.messages) == chat.messages

    def test_old_turns_are_dropped_and_the_last_messages_kept_as_they_are(self) -> None:
        chat = booking_chat(turns=10)
        window = recent_messages(chat.messages)
        assert window == chat.messages[-len(window) :]
        # The last six start on the second of two parallel results: back to their call.
        assert len(window) == RECENT_MESSAGES + 2
        assert isinstance(window[0], AIMessage)
        assert len(window[0].tool_calls) == 2
        said = [str(m.content) for m in window]
        assert "question 0" not in said
        assert "reply 9" not in said

    @pytest.mark.parametrize("keep", range(1, 12))
    def test_it_never_starts_on_a_tool_result_nor_leaves_a_call_unanswered(self, keep: int) -> None:
        window = recent_messages(booking_chat(turns=3).messages, keep=keep)
        assert not isinstance(window[0], ToolMessage)
        assert_valid_for_the_api(window)

    def test_a_cut_inside_parallel_tool_results_reaches_back_to_their_call(self) -> None:
        chat = booking_chat(turns=2)
        results_at = [
            i for i, m in enumerate(chat.messages) if getattr(m, "name", None) == "check_slots"
        ]
        cut = chat.messages[: results_at[1] + 1]  # ends on the second of the parallel results
        window = recent_messages(cut, keep=1)
        assert isinstance(window[1], AIMessage)
        assert len(window[1].tool_calls) == 2
        assert_valid_for_the_api(window)

    def test_the_clients_latest_message_leads_a_long_turn(self) -> None:
        chat = Transcript().client("earlier").agent("reply").client("Book 13:30 please")
        for n in range(4):
            chat.tools(("list_bookings", {}, [{"n": n}]))
        window = recent_messages(chat.messages)
        assert window[0] == chat.messages[2]
        assert "earlier" not in [m.content for m in window]
        assert_valid_for_the_api(window)


class TestTheDialogueState:
    def test_it_carries_the_draft_what_it_misses_and_the_question_pending(self) -> None:
        state = dialogue_state(booking_chat(turns=0).messages) or ""
        assert "Draft b-derm (held, under discussion): Dermatology consultation" in state
        assert "date_of_birth: 1990-04-12; missing: insurance_number" in state
        assert "Waiting for: intake answers: insurance_number" in state

    def test_offers_stay_until_a_booking_settles_them(self) -> None:
        chat = Transcript().client("Tuesday?")
        chat.tools(("check_slots", {"date_from": "2026-03-03"}, offer("dr-weber", "derm", [])))
        chat.client("Thursday then?")
        chat.tools(
            ("check_slots", {"date_from": "2026-03-05"}, offer("dr-keller", "gp", GP_STARTS))
        )
        state = dialogue_state(chat.messages) or ""
        assert "Offered dr-weber derm 2026-03-03: none free" in state
        assert f"Offered dr-keller gp 2026-03-05: {', '.join(GP_STARTS)}" in state
        assert "Waiting for: the client's choice among the offered starts" in state

        chat.tools(("prefill_booking", {"start": GP_STARTS[1]}, summary("b-gp", "hold")))
        chat.tools(("confirm_booking", {"booking_id": "b-gp"}, summary("b-gp", "confirmed")))
        settled = dialogue_state(chat.messages) or ""
        assert "Offered" not in settled
        assert "Booking b-gp (under discussion): Dermatology consultation" in settled

    def test_a_moved_hold_leaves_only_the_new_draft(self) -> None:
        chat = booking_chat(turns=0)
        chat.client("Actually 13:00")
        chat.tools(
            (
                "update_booking_draft",
                {"booking_id": "b-derm", "new_start": DERM_STARTS[0]},
                summary("b-moved", "hold", start="Tue 3 Mar 2026, 13:00"),
            )
        )
        state = dialogue_state(chat.messages) or ""
        assert "Draft b-moved (held, under discussion)" in state
        assert "b-derm" not in state
        assert f"Offered dr-weber derm-consult 2026-03-03: {', '.join(DERM_STARTS)}" in state

    def test_an_answer_other_than_yes_is_kept_until_something_changes(self) -> None:
        chat = booking_chat(turns=0)
        answer = {"done": False, "client_answer": "make it 13:00", "verdict": "change"}
        chat.tools(("confirm_booking", {"booking_id": "b-derm"}, answer))
        state = dialogue_state(chat.messages) or ""
        assert 'To confirm_booking the client answered "make it 13:00"' in state
        assert "Waiting for: what the client wants instead" in state

    def test_a_code_sent_is_awaited(self) -> None:
        chat = Transcript().client("I'm Ana Silva, +49 151 12345678")
        identified = {"status": "code_sent", "name": "Ana Silva", "sent_to": "the phone ending 78"}
        chat.tools(("identify_client", {"name": "Ana Silva"}, identified))
        state = dialogue_state(chat.messages) or ""
        assert "Client identity: code_sent, code sent to the phone ending 78" in state
        assert "Waiting for: the one-time code the client was sent" in state

    def test_what_the_window_shows_is_not_repeated(self) -> None:
        chat = Transcript().client("my bookings?")
        listed = [summary("b-derm", "confirmed"), summary("b-gp", "confirmed")]
        chat.tools(("list_bookings", {}, listed))
        assert "Booking b-gp" in (dialogue_state(chat.messages) or "")
        assert dialogue_state(chat.messages, shown_from=0) is not None
        assert "Booking b-gp" not in (dialogue_state(chat.messages, shown_from=0) or "")

    def test_there_is_none_before_any_tool_ran(self) -> None:
        assert dialogue_state(Transcript().client("hi").agent("Hello!").messages) is None


class TestThePromptSent:
    def test_the_offline_model_gets_the_whole_transcript(self) -> None:
        chat = booking_chat(turns=10)
        sent = model_prompt("system prompt", chat.messages, whole_transcript=True)
        assert sent == [SystemMessage("system prompt"), *chat.messages]

    def test_a_model_billed_by_the_token_gets_the_state_and_the_window(self) -> None:
        chat = booking_chat(turns=10)
        sent = model_prompt("system prompt", chat.messages, whole_transcript=False)
        system, *window = sent
        assert isinstance(system, SystemMessage)
        assert str(system.content).startswith("system prompt\n\nDialogue state")
        assert window == recent_messages(chat.messages)
        assert [m for m in sent if isinstance(m, SystemMessage)] == [system]


class TestToolDefinitions:
    def test_optional_fields_are_plain_and_the_tools_own_checks_stay_with_the_tool(self) -> None:
        schema = {
            "properties": {
                "day": {
                    "anyOf": [{"pattern": r"^\d{4}$", "type": "string"}, {"type": "null"}],
                    "default": None,
                    "description": "Local day.",
                    "title": "Day",
                },
                "limit": {"default": 8, "maximum": 40, "minimum": 1, "type": "integer"},
            },
            "required": ["limit"],
            "type": "object",
            "title": "Args",
        }
        assert compact_schema(schema) == {
            "properties": {
                "day": {"type": "string", "description": "Local day."},
                "limit": {"type": "integer"},
            },
            "required": ["limit"],
            "type": "object",
        }

    def test_every_tool_is_defined_with_its_required_arguments(self) -> None:
        tools = make_tools(ToolDeps(uow=lambda: pytest.fail("no tool runs"), knowledge=None))  # type: ignore[arg-type]
        definitions = {d["function"]["name"]: d["function"] for d in compact_definitions(tools)}
        assert set(definitions) == {tool.name for tool in tools}
        assert definitions["check_slots"]["parameters"]["required"] == ["date_from"]
        assert definitions["prefill_booking"]["parameters"]["required"] == [
            "provider_id",
            "service_id",
            "start",
        ]
        text = json.dumps(definitions)
        for noise in ("anyOf", '"default"', "pattern", "title"):
            assert noise not in text
