"""Understand when a client wants to come: a day, a window of the day, an exact time."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

from agent.offline.clock import bare_hour, read_clock
from agent.offline.days import MONTH, WEEKDAYS, take_days
from agent.offline.text import fold

_CLAUSE_END = r"(?=[.!?;\n]|\s+and\s+(?:i|i'd|i'm|my|can|could|would|want|need|please)\b|$)"
_NOT_BOOKING_TIMES = (
    r"\S+@\S+",
    r"https?://\S+|www\.\S+",
    rf"\b(?:live|living|reside|residing|address|moved\s+to)\b.*?{_CLAUSE_END}",
    r"\binsurance\s+(?:number|no\.?|nr\.?|id|#)\s*(?:is\s+|:\s*)?\S+",
    r"(?:\+|\b00)\d[\d\s/()-]{5,}\d",
    r"\b[a-z]{1,3}-?\d{5,}\b",
    r"\b\d{5,}\b",
    r"\b[a-z\u00df-]*(?:strasse|stra\u00dfe|str\.|street|road|avenue|allee|platz|weg|gasse|damm"
    r"|ufer|lane|drive)\s+\d+[a-z]?\b",
    r"\b\d+[a-z]?\s+[a-z]+\s+(?:street|st|road|rd|avenue|ave|lane|drive|way)\b",
)
MOVE_VERB = re.compile(
    r"\b(?:move|moving|reschedule|rescheduling|change|changing|shift|postpone|push|bring|switch"
    r"|rebook|put)\b"
)
_TARGET_CUE = re.compile(r"\b(?:to|into|onto|for|until)\b")


@dataclass(frozen=True)
class When:
    """What a message says about the time of an appointment; all empty if nothing.

    `weekday_only` is True when the day came from a weekday name ("Thursday", "next Monday")
    rather than a date or a relative day. `span_days` is how many days from `day` the client
    would accept: 7 for "next week" (day is that week's Monday), 2 for "the weekend".
    """

    day: date | None = None
    day_from: time | None = None
    day_until: time | None = None
    at: time | None = None
    weekday_only: bool = False
    span_days: int = 1

    @property
    def is_empty(self) -> bool:
        """Tell whether the message said nothing about when."""
        return self == When()


def mask_non_booking_numbers(folded: str) -> str:
    """Blank out addresses, ids, phone numbers and e-mails so their digits are not times."""
    for pattern in _NOT_BOOKING_TIMES:
        folded = re.sub(pattern, lambda match: " " * len(match.group()), folded)
    return folded


_HOUR_AFTER_DAY = re.compile(
    rf"\b(?:today|tomorrow|(?:{'|'.join(WEEKDAYS)})s?)\s+(?P<hour>\d{{1,2}}(?:\s*[ap]\.?m\b)?)"
    rf"(?![\d.:/-])(?!\s*(?:st|nd|rd|th|of|{MONTH}|days?|weeks?|months?|years?|min|minutes?"
    r"|hours?|hrs?|h|people|persons?|kids|children|%)\b)"
)


def parse_when(text: str, *, today: date) -> When:
    """Read the day, day window and exact time a message asks for; the last day named wins."""
    masked = mask_non_booking_numbers(fold(text))
    mentions, rest = take_days(masked, today=today)
    wanted = [mention for mention in mentions if not mention.negated]
    clock = read_clock(rest)
    at = clock.at
    if at is None and wanted:
        # "today 10?", "fri 9": a bare number right after the day is the hour.
        after_day = _HOUR_AFTER_DAY.search(masked)
        at = bare_hour(after_day.group("hour")) if after_day else None
    if not wanted:
        return When(at=clock.at, day_from=clock.day_from, day_until=clock.day_until)
    chosen = wanted[-1]
    return When(
        day=chosen.day,
        day_from=clock.day_from,
        day_until=clock.day_until,
        at=at,
        weekday_only=chosen.weekday_only,
        span_days=chosen.span_days,
    )


def mentions_booking_time(text: str, *, today: date) -> bool:
    """Tell whether a message names a day or time for an appointment (a birth date is not one)."""
    return not parse_when(text, today=today).is_empty


def parse_move(text: str, *, today: date) -> tuple[When, When]:
    """Split a request to move an appointment into (the current one, the wanted one)."""
    folded = fold(text)
    verb = MOVE_VERB.search(folded)
    if verb is None:
        return When(), parse_when(text, today=today)
    for cue in _TARGET_CUE.finditer(folded, verb.end()):
        target = parse_when(folded[cue.end() :], today=today)
        if not target.is_empty:
            return parse_when(folded[: cue.start()], today=today), target
    # The verb last, as German puts it: "… morgen um 8 auf Donnerstag verschieben".
    for cue in _TARGET_CUE.finditer(folded, 0, verb.start()):
        target = parse_when(folded[cue.end() : verb.start()], today=today)
        current = parse_when(folded[: cue.start()], today=today)
        if not target.is_empty and not current.is_empty:
            return current, target
    return parse_when(text, today=today), When()


_SOONEST = re.compile(
    r"\b(?:as\s+soon\s+as\s+(?:possible|you\s+can)|asap|earliest|soonest|next\s+(?:free|available"
    r"|possible|open)|first\s+(?:free|available|possible|open)|any\s*time|whenever)\b"
)


def asks_for_soonest(text: str) -> bool:
    """Tell whether the client wants the earliest free times rather than a given day."""
    return _SOONEST.search(fold(text)) is not None


# "The next free ones", "earliest times": a list asked for, not one of those on the table.
_MANY = re.compile(r"\b(?:ones|times|slots|dates|appointments|options)\b")


def asks_for_one(text: str) -> bool:
    """Tell whether a wish for the soonest asks for one time rather than a list of them."""
    return _MANY.search(fold(text)) is None


_SAME_TIME = re.compile(r"\b(?:same|usual)\s+(?:time|hour)\b|\bat\s+the\s+same\s+time\b")
_SAME_DAY = re.compile(r"\b(?:same|that)\s+day\b")


def relative_to(when: When, text: str, *, reference: datetime, today: date) -> When:
    """Read a change against the appointment on the table, as a receptionist would.

    "Same time" keeps its time and "same day" its day; a bare weekday ("Tuesday instead")
    means that weekday nearest the appointment, not the next one from today.
    """
    folded = fold(text)
    day, at = when.day, when.at
    if at is None and _SAME_TIME.search(folded):
        at = reference.time().replace(tzinfo=None)
    if day is None and _SAME_DAY.search(folded):
        day = reference.date()
    if day is not None and when.weekday_only and "next" not in folded:
        held = reference.date()
        candidates = [
            held + timedelta(days=(day.weekday() - held.weekday()) % 7 + offset)
            for offset in (-7, 0)
        ]
        later = [candidate for candidate in candidates if candidate >= today]
        day = min(later, key=lambda candidate: abs((candidate - held).days), default=day)
    return replace(when, day=day, at=at)
