"""The notification tools act for the conversation's client and say what changed in words."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import pytest
from langchain_core.messages import ToolCall
from langchain_core.tools import BaseTool

from domain.clients.preferences import PreferenceChange, preferences_of
from domain.kernel.actors import client_actor
from domain.kernel.uow import UnitOfWork
from domain.models import Client
from tools import make_tools
from tools.context import FoundText, RunContext, ToolDeps, invoke_tool
from tools.notification_words import what_changed

pytestmark = pytest.mark.usefixtures("sample_world")
REMINDER = "booking.reminder"


class NoKnowledge:
    def search(self, query: str, k: int = 3, kind: Any = None) -> Sequence[FoundText]:
        return []


@pytest.fixture
def tools(uow: UnitOfWork) -> dict[str, BaseTool]:
    deps = ToolDeps(uow=lambda: UnitOfWork(uow.engine, uow.clock), knowledge=NoKnowledge())
    return {tool.name: tool for tool in make_tools(deps)}


def run(tools: dict[str, BaseTool], name: str, args: dict[str, Any], client: str | None) -> Any:
    context = RunContext(client_id=client, conversation_id=f"c-{client}", channel="web")
    call = ToolCall(name=name, args=args, id="call-1")
    return json.loads(invoke_tool(tools[name], call, context).text)


def test_reading_says_what_reaches_the_client_where(tools: dict[str, BaseTool]) -> None:
    found = run(tools, "get_notification_preferences", {}, "tom")
    assert found["notifications"][REMINDER] == ["email"]
    assert found["reachable"] == ["email", "sms"]
    assert found["summary"] == (
        "You'll get confirmations, changes, cancellations, document requests and reminders "
        "by email."
    )


def test_stopping_the_reminders_says_what_is_left(
    tools: dict[str, BaseTool], uow: UnitOfWork
) -> None:
    changes = [{"event": REMINDER, "enabled": False}]
    done = run(tools, "set_notification_preferences", {"changes": changes}, "tom")
    assert done["done"] == "no more reminders"
    assert done["summary"] == (
        "You'll get confirmations, changes, cancellations and document requests by email. "
        "No reminders."
    )
    assert preferences_of(uow=uow, actor=client_actor("tom", "web"), client_id="tom").chosen == {
        (REMINDER, channel) for channel in ("email", "sms", "telegram")
    }


def test_reminders_come_back_where_the_client_hears_from_us_not_on_every_channel(
    tools: dict[str, BaseTool],
) -> None:
    sms_only = [{"enabled": False}, {"via": "sms", "enabled": True}]
    run(tools, "set_notification_preferences", {"changes": sms_only}, "tom")
    run(
        tools,
        "set_notification_preferences",
        {"changes": [{"event": REMINDER, "enabled": False}]},
        "tom",
    )
    back = run(
        tools,
        "set_notification_preferences",
        {"changes": [{"event": REMINDER, "enabled": True}]},
        "tom",
    )
    assert back["done"] == "reminders are back on"
    assert back["notifications"][REMINDER] == ["sms"]


def test_texting_a_client_without_a_phone_changes_nothing(
    tools: dict[str, BaseTool], uow: UnitOfWork
) -> None:
    with uow:
        uow.session.get_one(Client, "tom").phone = None
        uow.commit()
    swap = [{"via": "sms", "enabled": True}, {"via": "email", "enabled": False}]
    refused = run(tools, "set_notification_preferences", {"changes": swap}, "tom")
    assert refused["error"].startswith("I don't have a phone number for you")
    assert (
        preferences_of(uow=uow, actor=client_actor("tom", "web"), client_id="tom").chosen == set()
    )


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("get_notification_preferences", {}),
        ("set_notification_preferences", {"changes": [{"event": REMINDER, "enabled": False}]}),
    ],
)
def test_a_visitor_nobody_knows_is_asked_who_they_are(
    tools: dict[str, BaseTool], name: str, args: dict[str, Any]
) -> None:
    assert "who you are" in run(tools, name, args, None)["error"]


@pytest.mark.parametrize(
    ("changes", "said"),
    [
        ([PreferenceChange(False, REMINDER)], "no more reminders"),
        ([PreferenceChange(True, None, "sms"), PreferenceChange(False, None, "email")],
         "I'll text you instead of emailing you"),
        ([PreferenceChange(True, REMINDER, "telegram")], "reminders on Telegram"),
        ([PreferenceChange(False, None, "email")], "no more emails"),
        ([PreferenceChange(False, REMINDER, "sms"), PreferenceChange(False, None, "telegram")],
         "no reminders by text message and no more Telegram messages"),
    ],
)  # fmt: skip
def test_changes_are_said_in_a_clients_words(changes: list[PreferenceChange], said: str) -> None:
    assert what_changed(changes) == said
