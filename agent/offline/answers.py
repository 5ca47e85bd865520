"""Read short answers: which offered option a client picks, and yes or no to a summary."""

from __future__ import annotations

import re
from datetime import date
from typing import Literal

from agent.offline.lexicon import plain_english
from agent.offline.notifying import read_notification_wish
from agent.offline.text import fold, is_typo_of, words
from agent.offline.when import mentions_booking_time

Answer = Literal["yes", "no", "change", "unclear"]

_ORDINALS: dict[str, int] = {
    "first": 1,
    "second": 2,
    "third": 3,
    "fourth": 4,
    "fifth": 5,
    "sixth": 6,
    "seventh": 7,
    "eighth": 8,
    "ninth": 9,
    "tenth": 10,
    "last": -1,
    "latest": -1,
    "latter": -1,
    "former": 1,
    "penultimate": -2,
}
_ORDINAL_FOLLOWERS = frozenset(
    {"", "one", "option", "slot", "choice", "please", "then", "is", "works", "would", "sounds",
     "looks", "available", "i", "thanks", "thank", "for", "pls", "it", "one's"}
)  # fmt: skip
_ORDINAL_BLOCKERS = re.compile(r"\b(?:my|our|his|her|at|of)\s+$")
_NUMBERED = re.compile(r"(?:\b(?:number|no\.?|nr\.?|option|slot|choice)|#)\s*(\d{1,2})\b")
_ORDINAL_DIGITS = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)\b(?!\s+(?:of\b|[a-z]{3,}\s+\d))")
# "Nov 5th" and "on the 5th of" are dates, not the fifth option.
_MONTH_BEFORE = re.compile(
    r"\b(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t|tember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?\s*$"
)
_BARE_NUMBER = re.compile(r"(?:the\s+)?(\d{1,2})(?:\s+(?:please|pls|thanks))?")

_YES = frozenset(
    {"yes", "yeah", "yep", "yup", "yea", "ya", "y", "sure", "ok", "okay", "k", "confirm",
     "confirmed", "correct", "right", "perfect", "great", "good", "fine", "book", "absolutely",
     "definitely", "alright", "agreed", "exactly", "indeed", "ahead", "do", "proceed", "lovely",
     "excellent", "works", "deal", "affirmative"}
)  # fmt: skip
_NO = frozenset({"no", "nope", "nah", "n", "don't", "dont", "not", "never", "stop", "negative"})
_FILLER = frozenset(
    {"please", "pls", "thanks", "thank", "you", "it", "that", "that's", "thats", "is", "s", "go",
     "sounds", "looks", "all", "the", "booking", "appointment", "for", "me", "and", "a", "of",
     "course", "just", "oh", "well", "so", "very", "much", "then", "now", "do", "this", "yes",
     "i", "it's", "its", "already", "really", "mind", "need"}
)  # fmt: skip
_NO_PHRASES = re.compile(
    r"\b(?:no\s+thanks?|no\s+thank\s+you|don'?t\s+book|do\s+not\s+book|cancel\s+(?:that|it|this)"
    r"|forget\s+(?:it|that|about\s+it)|never\s*mind|not\s+now|rather\s+not|changed\s+my\s+mind"
    r"|not\s+(?:anymore|any\s+more)|leave\s+it|skip\s+it|no\s+need)\b"
)
# "Yes, cancel it" answers "Shall I cancel it?": the yes comes first, so "cancel it" is no refusal.
_YES_THEN_CANCEL = re.compile(
    r"^\W*(?:yes|yeah|yep|yup|yea|ya|sure)\b[\w\s,.!']{0,20}?\bcancel\s+(?:that|it|this)\b"
)
_CHANGE = re.compile(
    r"\b(?:change|different|another|instead|switch|reschedule|move|prefer|rather|other\s+"
    r"(?:time|day|date|doctor|slot|provider|lawyer|notary|one|person)|(?:something|a\s+bit|bit"
    r"|little|slightly|anything)\s+(?:earlier|later)|(?:earlier|later)\s+(?:one|slot|time|day))\b"
)
_UNSURE = re.compile(r"\b(?:not\s+sure|unsure|don'?t\s+know|maybe|perhaps|hmm+|wait)\b")
_THUMBS_UP = ("\U0001f44d", "\u2705", "\U0001f44c", "\u2714")
_THUMBS_DOWN = ("\U0001f44e", "\u274c")
_SOME_DAY = date(2000, 1, 3)


def choose_position(text: str) -> int | None:
    """Read which offered option the client picks: 1-based, -1 for the last; None if none."""
    folded = fold(text).strip(" .!?,")
    bare = _BARE_NUMBER.fullmatch(folded)
    if bare:
        return int(bare.group(1)) or None
    numbered = _NUMBERED.search(folded) or next(
        (
            ordinal
            for ordinal in _ORDINAL_DIGITS.finditer(folded)
            if not _MONTH_BEFORE.search(folded[: ordinal.start()])
        ),
        None,
    )
    if numbered:
        return int(numbered.group(1)) or None
    if re.search(r"\b(?:second|2nd)\s+(?:to|from)\s+(?:the\s+)?last\b", folded):
        return -2
    for match in re.finditer(r"\b[a-z]+\b", folded):
        position = _ORDINALS.get(match.group())
        following = re.match(r"\s*([a-z']*)", folded[match.end() :])
        after = following.group(1) if following else ""
        if position is None or after not in _ORDINAL_FOLLOWERS:
            continue
        if not _ORDINAL_BLOCKERS.search(folded[: match.start()]):
            return position
    return None


def _is_yes_word(word: str) -> bool:
    return word in _YES or is_typo_of(word, ("confirm", "perfect", "absolutely", "okay"))


def classify_answer(text: str) -> Answer:
    """Classify a reply to a pending booking summary as yes, no, a change or unclear."""
    text = plain_english(text)
    if read_notification_wish(text) is not None:
        # "No more reminders" is about notifications, not a no to the booking on the table.
        return "unclear"
    folded = fold(text)
    tokens = words(text)
    refused = _NO_PHRASES.search(_YES_THEN_CANCEL.sub(" ", folded))
    if refused and not mentions_booking_time(text, today=_SOME_DAY):
        return "no"
    if _CHANGE.search(folded) or mentions_booking_time(text, today=_SOME_DAY):
        return "change"
    if _UNSURE.search(folded) or re.search(r"\bnot\s+(?:sure|right|correct|ok|okay)\b", folded):
        return "unclear"
    thumbs_up = any(mark in text for mark in _THUMBS_UP)
    thumbs_down = any(mark in text for mark in _THUMBS_DOWN)
    said_no = thumbs_down or any(token in _NO for token in tokens)
    said_yes = thumbs_up or any(_is_yes_word(token) for token in tokens)
    leftover = [t for t in tokens if not (_is_yes_word(t) or t in _NO or t in _FILLER)]
    if len(leftover) > 2 or said_yes == said_no:
        return "unclear"
    # "Do you have parking?" asks something: only a bare "yes?" or "ok?" answers with a question.
    if "?" in text and leftover:
        return "unclear"
    return "yes" if said_yes else "no"
