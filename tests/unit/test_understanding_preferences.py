"""Hearing what a client wants to be told and where: reminders off, texts instead of email."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

from agent.offline.intents import Intent, classify_intent
from agent.offline.notifying import read_notification_wish
from agent.offline.policy import decide

REMINDER = "booking.reminder"
CONFIRMED = "booking.confirmed"
KNOWN = "Current local time: 2026-03-02T09:00+01:00 (Europe/Berlin).\nClient: Ana Silva."
ANONYMOUS = (
    "Current local time: 2026-03-02T09:00+01:00 (Europe/Berlin).\nClient: not identified yet."
)


def change(event: str | None, channel: str | None, enabled: bool) -> dict[str, Any]:
    return {"event": event, "via": channel, "enabled": enabled}


@pytest.mark.parametrize(
    ("message", "changes"),
    [
        ("stop the reminders", [change(REMINDER, None, False)]),
        ("Stop the reminders, please", [change(REMINDER, None, False)]),
        ("no more reminders", [change(REMINDER, None, False)]),
        ("I don't want any more reminders", [change(REMINDER, None, False)]),
        ("cancel my reminders", [change(REMINDER, None, False)]),
        ("turn the reminders off", [change(REMINDER, None, False)]),
        ("no more reminders by text", [change(REMINDER, "sms", False)]),
        ("stop the email reminders", [change(REMINDER, "email", False)]),
        (
            "Please stop sending me reminders by email, texts are enough.",
            [change(REMINDER, "email", False)],
        ),
        (
            "text me instead of email",
            [change(None, "sms", True), change(None, "email", False)],
        ),
        (
            "Could you send reminders by text instead of email?",
            [change(REMINDER, "sms", True), change(REMINDER, "email", False)],
        ),
        ("send me reminders on telegram", [change(REMINDER, "telegram", True)]),
        ("I'd like my reminders by SMS", [change(REMINDER, "sms", True)]),
        ("don't email me", [change(None, "email", False)]),
        ("Please don't email me anymore", [change(None, "email", False)]),
        ("stop texting me", [change(None, "sms", False)]),
        ("no more texts", [change(None, "sms", False)]),
        ("turn reminders back on", [change(REMINDER, None, True)]),
        ("Can you switch the reminders back on?", [change(REMINDER, None, True)]),
        # The notifications named a sentence before: "... switch those off".
        (
            "I get a reminder e-mail for every appointment. Could you switch those off please?",
            [change(REMINDER, "email", False)],
        ),
        ("These confirmation texts are too much, stop them", [change(CONFIRMED, "sms", False)]),
        (
            "I never read my emails. Could you send me text messages instead?",
            [change(None, "sms", True), change(None, "email", False)],
        ),
    ],
)
def test_a_wish_to_change_notifications_is_read_as_changes(
    message: str, changes: list[dict[str, Any]]
) -> None:
    wish = read_notification_wish(message)
    assert wish is not None
    assert list(wish.changes) == changes
    assert classify_intent(message) is Intent.NOTIFICATIONS


@pytest.mark.parametrize(
    "message",
    [
        "how will you notify me?",
        "What notifications do I get?",
        "How do you contact me?",
        "what are my notification settings",
    ],
)
def test_asking_how_we_notify_reads_the_preferences(message: str) -> None:
    wish = read_notification_wish(message)
    assert wish is not None
    assert wish.reads
    assert classify_intent(message) is Intent.NOTIFICATIONS


@pytest.mark.parametrize(
    ("message", "intent"),
    [
        ("I need a reminder of my appointment time", Intent.BOOK),
        ("Can you remind me of my appointment time?", Intent.BOOK),
        ("I need to cancel my appointment on Wednesday.", Intent.CANCEL),
        ("Can I cancel by email?", Intent.CANCEL),
        ("Can I see Dr. Weber on Thursday?", Intent.BOOK),
        ("I'd rather talk to a real person, please.", Intent.HANDOFF),
        ("I'd like to discuss my bill with someone at the front desk", Intent.HANDOFF),
        ("I need to discuss my divorce with someone", Intent.BOOK),
        ("Please stop the bot, I want a human", Intent.HANDOFF),
        ("stop", Intent.OTHER),
        ("no", Intent.OTHER),
        ("Remind me what documents to bring?", Intent.QUESTION),
        # A pronoun with nothing of notifications to point to is not a wish.
        ("my kids fight all day, stop them", Intent.OTHER),
        ("can you send me the address instead?", Intent.QUESTION),
    ],
)
def test_booking_and_other_messages_are_not_taken_for_notification_wishes(
    message: str, intent: Intent
) -> None:
    assert read_notification_wish(message) is None
    assert classify_intent(message) is intent


def step(system: str, message: str) -> AIMessage:
    return decide([SystemMessage(system), HumanMessage(message)])


def test_a_known_client_saying_stop_the_reminders_gets_them_turned_off() -> None:
    decided = step(KNOWN, "no more reminders")
    assert [(c["name"], c["args"]) for c in decided.tool_calls] == [
        ("set_notification_preferences", {"changes": [change(REMINDER, None, False)]})
    ]


def test_a_known_client_asking_how_we_notify_gets_the_preferences_read() -> None:
    decided = step(KNOWN, "how will you notify me?")
    assert [c["name"] for c in decided.tool_calls] == ["get_notification_preferences"]


def test_a_visitor_is_asked_who_they_are_before_anything_changes() -> None:
    decided = step(ANONYMOUS, "stop the reminders")
    assert decided.tool_calls == []
    assert "full name" in str(decided.content)
