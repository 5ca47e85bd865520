"""The new visitor who books over /ws/chat: what it says next, given what it was told.

Each visitor asks for a specialty on a day, presses a random offered slot button (another one
after a "taken" refusal), says who it is, answers the intake questions and presses Confirm,
until a reply carries a confirmed booking card. Its choices are seeded by its index, so a run
is repeatable up to the server's own timing.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from typing import Any

from websockets.asyncio.client import connect

from bench.ws_client import TURN_TIMEOUT, Conversation, Failed, hello, play_turn

MAX_TURNS = 14
SEED = 20260309

# Openings spread over specialties and days the demo world has free slots for, so clients
# of one (specialty, day) pair collide now and then without running the day out of slots.
SPECIALTIES = ("dermatologist", "gynaecologist", "general practitioner", "physiotherapist")
DAYS = (
    "tomorrow",
    "on Monday 16 March",
    "on Tuesday 17 March",
    "on Thursday 19 March",
    "on Friday 20 March",
)

TAKEN = re.compile(r"\btaken\b|is not free|no longer (?:free|available)|not available", re.I)
ASKS_IDENTITY = re.compile(r"\bname\b|phone|who you are|who are you", re.I)
ASKS_INTAKE = re.compile(r"date of birth|insurance|address|employer", re.I)
ASKS_YES_NO = re.compile(r"shall i|should i|do you want|would you like", re.I)
CLOCK_TIME = re.compile(r"\b\d{1,2}:\d{2}\b")
LISTED_SLOT = re.compile(r"^\s*\d+\.\s+(.*\b\d{1,2}:\d{2}\b.*)$", re.M)
CONFIRM_LABEL = re.compile(r"^\s*(?:confirm|yes|book)", re.I)


def opening(index: int) -> str:
    specialty = SPECIALTIES[index % len(SPECIALTIES)]
    day = DAYS[(index // len(SPECIALTIES)) % len(DAYS)]
    return f"I need a {specialty} {day}"


def identity(index: int) -> str:
    return f"I'm Bench Client {index}, +49 170 555{index:04d}"


def intake(index: int) -> str:
    return (
        f"My date of birth is 12 May 1985, my insurance number is TK-{1_000_000 + index} "
        f"and my address is Hauptstraße {index}, 10115 Berlin."
    )


def confirmed_card(replies: Sequence[dict[str, Any]]) -> str | None:
    for entry in replies:
        card = entry.get("card")
        if isinstance(card, dict) and card.get("status") == "confirmed":
            return str(card.get("booking_id"))
    return None


def offered_buttons(replies: Sequence[dict[str, Any]]) -> list[dict[str, str]]:
    for entry in reversed(replies):
        buttons = entry.get("buttons") or []
        if buttons:
            return [
                {"label": str(b.get("label", "")), "value": str(b.get("value", ""))}
                for b in buttons
            ]
    return []


class Visitor:
    """Decides the next message of one booking conversation from the replies to the last one."""

    def __init__(self, conversation: Conversation, rng: random.Random) -> None:
        self.conversation = conversation
        self.rng = rng
        self.offered: list[str] = []
        self.tried: set[str] = set()
        self.identified = 0
        self.intake_given = 0
        self.yes_said = 0

    def pick_slot(self) -> str:
        fresh = [value for value in self.offered if value not in self.tried]
        if not fresh:
            self.offered = []
            return opening(self.conversation.index)
        choice = self.rng.choice(fresh)
        self.tried.add(choice)
        return choice

    def next_message(self, replies: Sequence[dict[str, Any]]) -> str:
        index = self.conversation.index
        said = "\n".join(str(entry.get("text") or "") for entry in replies)
        buttons = offered_buttons(replies)
        confirm = [b for b in buttons if CONFIRM_LABEL.match(b["label"] or b["value"])]
        slots = [b["value"] for b in buttons if CLOCK_TIME.search(b["label"] + b["value"])]
        if not slots and (listed := LISTED_SLOT.findall(said)):
            # A list of times in the text but no buttons: the protocol promises buttons.
            self.conversation.gaps["slot list without buttons"] += 1
            slots = [line.strip() for line in listed]
        if TAKEN.search(said):
            self.conversation.refusals += 1
        if confirm:
            return confirm[0]["value"]
        if slots:
            self.offered = slots
            return self.pick_slot()
        if TAKEN.search(said):
            return self.pick_slot()
        if ASKS_YES_NO.search(said) and "confirm" in said.lower() and self.yes_said < 2:
            self.yes_said += 1
            return "yes"
        if ASKS_IDENTITY.search(said) and self.identified < 2:
            self.identified += 1
            return identity(index)
        if ASKS_INTAKE.search(said) and self.intake_given < 2:
            self.intake_given += 1
            return intake(index)
        raise Failed(f"no idea how to answer {said!r:.300}")


async def book(url: str, index: int) -> Conversation:
    """Play one booking as a new visitor; record why it failed instead of raising."""
    conversation = Conversation(index)
    visitor = Visitor(conversation, random.Random(SEED + index))
    try:
        async with connect(f"{url}/ws/chat", open_timeout=TURN_TIMEOUT) as ws:
            await hello(ws, conversation)
            message = opening(index)
            while len(conversation.turns) < MAX_TURNS:
                turn = await play_turn(ws, conversation, message)
                booking_id = confirmed_card(turn.replies)
                if booking_id is not None:
                    conversation.booking_id = booking_id
                    return conversation
                message = visitor.next_message(turn.replies)
            raise Failed(f"not booked after {MAX_TURNS} turns")
    except Exception as exc:  # a benchmark counts failures; it does not stop at the first
        conversation.failure = f"{type(exc).__name__}: {exc}"
    return conversation
