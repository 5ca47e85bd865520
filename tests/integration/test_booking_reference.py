"""The short booking reference texts and notifications show finds the booking again."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import ToolCall

from domain.booking.reading import get_booking
from domain.booking.references import booking_id_for, booking_reference
from domain.kernel.actors import Actor, client_actor
from domain.kernel.uow import UnitOfWork
from knowledge.embeddings import MiniLMEmbedder
from knowledge.index import KnowledgeIndex
from tests.integration.test_delivery_fanout import FRIDAY_0900, TUESDAY_1300, book, new_client
from tools import ToolDeps, make_tools
from tools.context import RunContext, invoke_tool

pytestmark = pytest.mark.usefixtures("sample_world")
STAFF = Actor(kind="staff", id="seed")


@pytest.fixture
def bookings(uow: UnitOfWork) -> dict[str, str]:
    new_client(uow, "emily", email="emily@example.com")
    new_client(uow, "tara", email="tara@example.com")
    return {"emily": book(uow, "emily", TUESDAY_1300), "tara": book(uow, "tara", FRIDAY_0900)}


def test_a_quoted_reference_names_the_clients_own_booking(
    uow: UnitOfWork, bookings: dict[str, str]
) -> None:
    emily = client_actor("emily", "sms")
    reference = booking_reference(bookings["emily"])
    assert len(reference) == 8
    assert reference == reference.upper() != bookings["emily"]

    for quoted in (reference, reference.lower(), f"Ref {reference}.", f"#{reference}"):
        assert booking_id_for(uow=uow, actor=emily, quoted=quoted) == bookings["emily"]
    assert booking_id_for(uow=uow, actor=STAFF, quoted=reference) == bookings["emily"]
    assert booking_id_for(uow=uow, actor=emily, quoted=bookings["emily"]) == bookings["emily"]


def test_another_clients_reference_names_nothing(uow: UnitOfWork, bookings: dict[str, str]) -> None:
    theirs = booking_reference(bookings["tara"])

    assert booking_id_for(uow=uow, actor=client_actor("emily", "sms"), quoted=theirs) == theirs


def test_the_agent_cancels_a_booking_by_the_reference_the_client_quotes(
    uow: UnitOfWork, bookings: dict[str, str], tmp_path: Path, embedder: MiniLMEmbedder
) -> None:
    index = KnowledgeIndex.open(tmp_path / "chroma", embedder)
    tools: dict[str, Any] = {
        tool.name: tool
        for tool in make_tools(
            ToolDeps(uow=lambda: UnitOfWork(uow.engine, uow.clock), knowledge=index)
        )
    }
    emilys_conversation = RunContext(client_id="emily", conversation_id="c-e", channel="sms")

    def cancel(quoted: str) -> dict[str, Any]:
        call = ToolCall(name="cancel_booking", args={"booking_id": quoted}, id="call-1")
        return dict(
            json.loads(invoke_tool(tools["cancel_booking"], call, emilys_conversation).text)
        )

    assert cancel(booking_reference(bookings["tara"]))["code"] == "not_found"
    assert cancel(booking_reference(bookings["emily"]))["status"] == "cancelled"
    assert get_booking(uow=uow, actor=STAFF, booking_id=bookings["emily"]).status == "cancelled"
    assert get_booking(uow=uow, actor=STAFF, booking_id=bookings["tara"]).status == "confirmed"
