"""Tools act only for the client the channel identified, whatever the model asks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import ToolCall

from domain.booking.reading import get_booking
from domain.kernel.actors import Actor
from domain.kernel.uow import UnitOfWork
from knowledge.embeddings import MiniLMEmbedder
from knowledge.index import KnowledgeIndex
from tools import ToolDeps, make_tools
from tools.context import RunContext, invoke_tool

pytestmark = pytest.mark.usefixtures("sample_world")
ANAS_BOOKING = "b-ana-gp"
TOMS_CONVERSATION = RunContext(client_id="tom", conversation_id="c-tom", channel="web")


@pytest.fixture
def tools(uow: UnitOfWork, tmp_path: Path, embedder: MiniLMEmbedder) -> dict[str, Any]:
    index = KnowledgeIndex.open(tmp_path / "chroma", embedder)
    made = make_tools(ToolDeps(uow=lambda: UnitOfWork(uow.engine, uow.clock), knowledge=index))
    return {tool.name: tool for tool in made}


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("confirm_booking", {"booking_id": ANAS_BOOKING}),
        ("cancel_booking", {"booking_id": ANAS_BOOKING}),
        (
            "reschedule_booking",
            {"booking_id": ANAS_BOOKING, "new_start": "2026-03-05T09:00:00+01:00"},
        ),
        ("request_documents", {"booking_id": ANAS_BOOKING}),
        ("generate_form", {"booking_id": ANAS_BOOKING}),
        ("update_booking_draft", {"booking_id": ANAS_BOOKING, "values": {"address": "x"}}),
    ],
)
def test_another_clients_booking_is_refused_and_nothing_leaks(
    tools: dict[str, Any], uow: UnitOfWork, name: str, args: dict[str, Any]
) -> None:
    call = ToolCall(name=name, args=args, id="call-1")
    message = invoke_tool(tools[name], call, TOMS_CONVERSATION)
    assert json.loads(message.text) == {
        "error": "No booking with that reference was found.",
        "code": "not_found",
    }
    booking = get_booking(uow=uow, actor=Actor(kind="staff"), booking_id=ANAS_BOOKING)
    assert (booking.status, booking.version, booking.intake) == ("confirmed", 1, {})


def test_listing_shows_only_the_callers_own_bookings(tools: dict[str, Any]) -> None:
    call = ToolCall(name="list_bookings", args={}, id="call-2")
    assert json.loads(invoke_tool(tools["list_bookings"], call, TOMS_CONVERSATION).text) == []


def test_without_an_identified_client_booking_tools_ask_who_they_are(tools: dict[str, Any]) -> None:
    anonymous = RunContext(conversation_id="c-anon", channel="web")
    call = ToolCall(name="list_bookings", args={}, id="call-3")
    answer = json.loads(invoke_tool(tools["list_bookings"], call, anonymous).text)
    assert "who you are" in answer["error"]


def test_the_model_can_neither_see_nor_set_the_runs_context(tools: dict[str, Any]) -> None:
    assert all("runtime" not in tool.tool_call_schema.model_fields for tool in tools.values())
    posing_as_ana = {"runtime": {"context": {"client_id": "ana", "channel": "web"}}}
    call = ToolCall(name="list_bookings", args=posing_as_ana, id="call-4")
    anas = RunContext(client_id="ana", conversation_id="c-ana", channel="web")

    assert json.loads(invoke_tool(tools["list_bookings"], call, TOMS_CONVERSATION).text) == []
    listed = json.loads(invoke_tool(tools["list_bookings"], call, anas).text)
    assert ANAS_BOOKING in [booking["booking_id"] for booking in listed]
