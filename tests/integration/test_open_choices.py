"""The choices a client may still pick: the last reply's buttons, stale once anything follows."""

from __future__ import annotations

from domain.conversations.transcripts import (
    Choice,
    open_choices,
    record_entries,
    record_entry,
    take_in,
)
from domain.kernel.uow import UnitOfWork
from domain.models import EntryAuthor

ADDRESS = "+4915100000077"
TIMES = [
    {"label": "9:00 · Dr. Weber", "value": "9:00 with Dr. Weber"},
    {"label": "9:30 · Dr. Weber", "value": "9:30 with Dr. Weber"},
]


def offer(uow: UnitOfWork) -> tuple[str, int]:
    """A client asks; the agent answers with two times; return the conversation and that entry."""
    asked = take_in(
        uow=uow, channel="sms", address=ADDRESS, text="a dermatologist", external_id=None
    )
    conversation_id = asked.conversation.id
    [_tool_call, answer] = record_entries(
        uow=uow,
        conversation_id=conversation_id,
        entries=[
            (EntryAuthor.TOOL, "check_slots", {}),
            (EntryAuthor.AGENT, "Which time?", {"buttons": TIMES}),
        ],
    )
    assert answer.id is not None
    return conversation_id, answer.id


def test_the_last_replys_buttons_are_open_in_order(uow: UnitOfWork) -> None:
    _, entry_id = offer(uow)
    expected = [Choice(t["label"], t["value"]) for t in TIMES]
    assert open_choices(uow=uow, channel="sms", address=ADDRESS) == expected
    assert open_choices(uow=uow, channel="sms", address=ADDRESS, entry_id=entry_id) == expected


def test_another_address_or_an_earlier_entry_finds_nothing(uow: UnitOfWork) -> None:
    _, entry_id = offer(uow)
    assert open_choices(uow=uow, channel="sms", address="+4915100000078") == []
    assert open_choices(uow=uow, channel="telegram", address=ADDRESS) == []
    assert open_choices(uow=uow, channel="sms", address=ADDRESS, entry_id=entry_id - 1) == []


def test_anything_said_after_the_buttons_makes_them_stale(uow: UnitOfWork) -> None:
    conversation_id, entry_id = offer(uow)
    record_entry(
        uow=uow,
        conversation_id=conversation_id,
        author=EntryAuthor.SYSTEM,
        text="A person will answer shortly.",
    )
    assert open_choices(uow=uow, channel="sms", address=ADDRESS) == []
    assert open_choices(uow=uow, channel="sms", address=ADDRESS, entry_id=entry_id) == []
