"""Inline keyboards: a transcript entry's buttons, and reading a tapped button back.

Telegram carries at most 64 bytes of callback data, too little for a button's value (the text
the client "says" by tapping it), so the data names the entry and the button's place in it and
the value is read back from the transcript.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

MAX_CALLBACK_BYTES = 64
MAX_LABEL = 64
_TAPPED = re.compile(r"^b:([0-9]{1,18}):([0-9]{1,2})$")


@dataclass(frozen=True)
class Tapped:
    entry_id: int
    index: int


def button_data(entry_id: int, index: int) -> str:
    data = f"b:{entry_id}:{index}"
    assert len(data.encode()) <= MAX_CALLBACK_BYTES
    return data


def read_button_data(data: str | None) -> Tapped | None:
    """The button a callback names; None for data this bot never sent."""
    found = _TAPPED.match(data or "")
    return Tapped(int(found.group(1)), int(found.group(2))) if found else None


def inline_keyboard(entry: dict[str, Any]) -> InlineKeyboardMarkup | None:
    """One button a row (slot labels are long), or None when the entry offers none."""
    buttons = entry.get("buttons") or []
    if not buttons:
        return None
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    _label(b["label"]), callback_data=button_data(entry["entry_id"], i)
                )
            ]
            for i, b in enumerate(buttons)
        ]
    )


def _label(label: str) -> str:
    return label if len(label) <= MAX_LABEL else label[: MAX_LABEL - 1] + "…"
