"""Tools act only for the client the channel identified, whatever the model asks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from domain.booking.reading import get_booking
from domain.kernel.actors import Actor
from domain.kernel.uow import UnitOfWork
from knowledge.embeddings import MiniLMEmbedder
from knowledge.index import KnowledgeIndex
from tools import ToolDeps, make_tools

pytestmark = pytest.mark.usefixtures("sample_world")
ANAS_BOOKING = "b-ana-gp"
TOMS_CONVERSATION = {
    "configurable": {"client_id": "tom", "conversation_id": "c-tom", "channel": "web"}
}


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
    call = {"name": name, "args": args, "id": "call-1", "type": "tool_call"}
    message = tools[name].invoke(call, config=TOMS_CONVERSATION)
    assert json.loads(message.content) == {
        "error": "No booking with that reference was found.",
        "code": "not_found",
    }
    booking = get_booking(uow=uow, actor=Actor(kind="staff"), booking_id=ANAS_BOOKING)
    assert (booking.status, booking.version, booking.intake) == ("confirmed", 1, {})


def test_listing_shows_only_the_callers_own_bookings(tools: dict[str, Any]) -> None:
    call = {"name": "list_bookings", "args": {}, "id": "call-2", "type": "tool_call"}
    assert json.loads(tools["list_bookings"].invoke(call, config=TOMS_CONVERSATION).content) == []


def test_without_an_identified_client_booking_tools_ask_who_they_are(tools: dict[str, Any]) -> None:
    anonymous = {"configurable": {"conversation_id": "c-anon", "channel": "web"}}
    call = {"name": "list_bookings", "args": {}, "id": "call-3", "type": "tool_call"}
    answer = json.loads(tools["list_bookings"].invoke(call, config=anonymous).content)
    assert "who you are" in answer["error"]
