"""What the client sees of offered times: the numbered text and the buttons list the same choices.

The real agent (offline model, real tools) answers under the sample world's clock (Monday
2 March 2026, 09:00 Berlin); the entries are shaped as the hub records them, then as the web
chat and Telegram show them.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from channels.presenting import entry_json, times_on_buttons, turn_entries
from channels.sms.formatting import entry_text
from channels.telegram.keyboards import inline_keyboard
from domain.models import ConversationEntry, EntryAuthor
from testkit.when_labels import label_wall_time
from tests.conftest import SAMPLE_NOW
from tests.integration.test_offline_conversations import (
    StartChat,
    offered,
    offered_with,
    sample_index,
    start_chat,
)

__all__ = ["sample_index", "start_chat"]  # fixtures shared with the finding tests

# Dr. Keller's first six free times tomorrow all come before Dr. Weber's first.
SEVERAL = "I'd like to see a doctor in Berlin Mitte tomorrow"


def _reply(chat_turn: Any) -> dict[str, Any]:
    """The turn's last reply as the websocket protocol sends it, buttons and all."""
    *_, said = turn_entries(chat_turn, lambda form_id: f"/forms/{form_id}")
    row = ConversationEntry(
        id=7,
        conversation_id="c1",
        at=SAMPLE_NOW,
        author=EntryAuthor.AGENT,
        text=said.text,
        extra=said.extra,
    )
    return entry_json(row)


def _button_starts(reply: dict[str, Any]) -> list[datetime]:
    return [
        label_wall_time(b["label"], today=SAMPLE_NOW.date())
        for b in reply["buttons"]
        if "start" in b
    ]


class TestTheSameChoicesInTheSameOrder:
    def test_several_providers_are_listed_and_buttoned_alike(self, start_chat: StartChat) -> None:
        turn = start_chat("ana").say(SEVERAL)
        reply = _reply(turn)
        listed = offered(turn)
        assert len(listed) == 6
        assert _button_starts(reply) == listed
        providers = [b["label"].split(" · ")[1] for b in reply["buttons"]]
        assert all(p in line for p, line in zip(providers, offered_with(turn), strict=True))
        # Both providers are in view, however soon the first one's times come.
        assert set(providers) == {"Dr. Anna Weber", "Dr. Jonas Keller"}

    def test_a_telegram_keyboard_lists_the_numbered_times_in_order(
        self, start_chat: StartChat
    ) -> None:
        turn = start_chat("ana").say(SEVERAL)
        keyboard = inline_keyboard(_reply(turn))
        assert keyboard is not None
        labels = [row[0].text for row in keyboard.inline_keyboard]
        tapped = [label_wall_time(label, today=SAMPLE_NOW.date()) for label in labels]
        assert tapped == offered(turn)

    def test_an_sms_numbers_the_same_times_as_the_buttons(self, start_chat: StartChat) -> None:
        turn = start_chat("ana").say(SEVERAL)
        sms = entry_text(_reply(turn), public_url=None)
        numbered = [
            line.split(") ", 1)[1]
            for line in sms.splitlines()
            if line[:2] in {"1)", "2)", "3)", "4)", "5)", "6)"}
        ]
        assert [label_wall_time(n, today=SAMPLE_NOW.date()) for n in numbered] == offered(turn)


class TestTheWebShowsTimesOnce:
    def test_the_web_text_leads_in_and_leaves_the_times_to_the_buttons(
        self, start_chat: StartChat
    ) -> None:
        turn = start_chat("ana").say("I'd like a dermatologist on Tuesday afternoon")
        reply = _reply(turn)
        assert len(offered(turn)) == len(reply["buttons"]) > 1
        shown = times_on_buttons(reply)
        assert shown["text"].splitlines() == [
            "Dr. Anna Weber has these free times for Dermatology consultation:",
            "Which one suits you?",
        ]
        assert shown["buttons"] == reply["buttons"]

    def test_a_yes_or_no_question_keeps_its_text(self, start_chat: StartChat) -> None:
        chat = start_chat("ana")
        chat.say("I'd like a dermatologist on Tuesday afternoon")
        turn = chat.say("14:30")
        reply = _reply(turn)
        assert [b["label"] for b in reply["buttons"]] == ["Confirm", "Change"]
        assert times_on_buttons(reply) == reply


class TestDatesAsTheClientReadsThem:
    def test_todays_and_tomorrows_times_say_so_without_a_year(self, start_chat: StartChat) -> None:
        soonest = _reply(start_chat("ana").say("I'd like to see a doctor in Berlin Mitte"))
        tuesday = _reply(start_chat("ana").say("I'd like a dermatologist on Tuesday afternoon"))
        today = [b["label"] for b in soonest["buttons"]]
        tomorrow = [b["label"] for b in tuesday["buttons"]]
        assert today
        assert all(label.startswith("today, ") for label in today)
        assert tomorrow
        assert all(label.startswith("tomorrow, ") for label in tomorrow)
        assert not any("2026" in label for label in today + tomorrow)

    def test_a_later_day_this_year_is_named_without_its_year(self, start_chat: StartChat) -> None:
        reply = _reply(start_chat("ana").say("I'd like a dermatologist on Thursday afternoon"))
        assert reply["buttons"]
        for button in reply["buttons"]:
            starts_at = datetime.fromisoformat(button["start"]).replace(tzinfo=None)
            assert starts_at.date() > date(2026, 3, 3)
            assert button["label"].startswith(f"{starts_at:%a} {starts_at.day} {starts_at:%b}, ")
            assert "2026" not in button["label"]
            assert label_wall_time(button["label"], today=SAMPLE_NOW.date()) == starts_at
