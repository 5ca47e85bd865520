"""Read clock times and parts of the day from a client's words."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from agent.offline.text import NUMBER_WORDS

_HOUR = r"(?:\d{1,2}|" + "|".join(NUMBER_WORDS) + r")"
_MERIDIEM = r"[ap]\.?\s?m\b\.?"
_MINUTE_WORDS = {"fifteen": 15, "thirty": 30, "forty five": 45, "forty-five": 45}
_NOT_MONEY = r"(?!\s*(?:eur|euros?|€|\$|usd|dollars?|pounds?)\b)"
_EXACT = (
    rf"(?:(?:half|quarter)\s+(?:past|after|to)\s+{_HOUR}(?:\s*{_MERIDIEM})?"
    rf"|half\s+{_HOUR}\b"
    rf"|{_HOUR}\s+o'?\s?clock"
    rf"|(?<![\d.:€$])\d{{1,2}}[:.]\d{{2}}(?![\d.:]\d){_NOT_MONEY}"
    rf"(?:\s*{_MERIDIEM}|\s*(?:h|hrs|uhr)\b)?"
    rf"|\b{_HOUR}\s*{_MERIDIEM}"
    rf"|\b(?:{'|'.join(NUMBER_WORDS)})\s+(?:fifteen|thirty|forty[\s-]five)\b"
    r"|\bnoon\b|\bmidday\b)"
)
_SAFE_AFTER = (
    r"(?=\s*(?:$|[,.!?;:)\-]|(?:please|pls|then|would|works?|is|if|or|and|on|in|tomorrow|today"
    r"|next|this|instead|sharp|ok|okay|maybe|for|with|the|that|fine|good|great|perfect|at|latest"
    r"|earliest|possible|preferably|ideally|thanks|thank|to|till|until)\b))"
)
_EXACT_RE = re.compile(_EXACT)
_ANY = rf"(?:{_EXACT}|\b{_HOUR}\b(?![:.]?\d){_SAFE_AFTER})"
_CUED = re.compile(
    rf"\b(?:at|around|about|make\s+it|how\s+about|what\s+about|say|maybe)\s+"
    rf"(?:about\s+|around\s+)?(?P<time>{_HOUR})\b{_SAFE_AFTER}"
)
_RANGE = re.compile(
    rf"\b(?:between\s+(?P<a>{_ANY})\s+and\s+(?P<b>{_ANY})"
    rf"|from\s+(?P<c>{_ANY})\s+(?:to|till|until|-)\s+(?P<d>{_ANY})"
    rf"|(?P<e>\d{{1,2}}(?::\d{{2}})?)\s*-\s*(?P<f>\d{{1,2}}(?::\d{{2}})?)\b)"
)
_AFTER = re.compile(
    rf"\b(?:after|from|since|starting(?:\s+at|\s+from)?|not\s+before|no\s+earlier\s+than"
    rf"|earliest(?:\s+at)?)\s+(?P<time>{_ANY})"
)
_BEFORE = re.compile(
    rf"\b(?:before|until|till|til|by|not\s+after|no\s+later\s+than|latest(?:\s+at)?)"
    rf"\s+(?P<time>{_ANY})"
)
_LUNCH = re.compile(
    r"\b(?:(?:around|about|roughly|approximately)\s+(?:noon|midday)|(?:around\s+|at\s+|over\s+"
    r"|during\s+)?lunch(?:\s*time|\s+break)?)\b"
)
_PARTS: tuple[tuple[str, time | None, time | None], ...] = (
    (r"early\s+morning", None, time(10)),
    (r"late\s+morning", time(10), time(12)),
    (r"mornings?", None, time(12)),
    (r"early\s+afternoon", time(12), time(14)),
    (r"late\s+afternoon", time(15), time(17)),
    (r"afternoons?", time(12), time(17)),
    (r"evenings?|tonight", time(17), None),
)


@dataclass(frozen=True)
class ClockReading:
    """An exact time and a window of the day, as far as the text gives them."""

    at: time | None = None
    day_from: time | None = None
    day_until: time | None = None


def _meridiem_hint(text: str) -> str | None:
    if re.search(r"\b(?:afternoons?|evenings?|tonight)\b", text):
        return "p"
    return "a" if re.search(r"\bmornings?\b", text) else None


def _hour_number(word: str) -> int:
    return int(word) if word.isdigit() else NUMBER_WORDS[word]


def _resolve(hour: int, *, meridiem: str | None, hint: str | None, padded: bool) -> int | None:
    if meridiem is not None:
        if not 1 <= hour <= 12:
            return None
        return hour % 12 + (12 if meridiem == "p" else 0)
    if hour > 23:
        return None
    if hour >= 13 or padded or hour == 0:
        return hour
    if hint is not None:
        return hour % 12 + (12 if hint == "p" else 0)
    return hour + 12 if 1 <= hour <= 6 else hour


def read_time(phrase: str, *, hint: str | None = None) -> time | None:
    """Read one time phrase; a bare hour from 1 to 6 means the afternoon."""
    phrase = phrase.strip()
    if re.search(r"\b(?:noon|midday)\b", phrase):
        return time(12)
    found_meridiem = re.search(r"\b([ap])\.?\s?m\b", phrase)
    meridiem = found_meridiem.group(1) if found_meridiem else None
    offset = 0
    numeric = re.search(r"(\d{1,2})[:.](\d{2})", phrase)
    if numeric:
        hour, minute = int(numeric.group(1)), int(numeric.group(2))
        padded = numeric.group(1).startswith("0")
    else:
        hour_word = re.findall(_HOUR, phrase)
        if not hour_word:
            return None
        hour, minute, padded = _hour_number(hour_word[-1]), 0, False
        fraction = re.search(r"\b(half|quarter)\s+(past|after|to)\b", phrase)
        spoken = re.search(r"\b(fifteen|thirty|forty[\s-]five)\b", phrase)
        if fraction:
            minutes = 30 if fraction.group(1) == "half" else 15
            offset = -minutes if fraction.group(2) == "to" else minutes
        elif spoken:
            minute = _MINUTE_WORDS[spoken.group(1)]
        elif phrase.startswith("half"):
            minute = 30
    resolved = _resolve(hour, meridiem=meridiem, hint=hint, padded=padded)
    if resolved is None or minute > 59:
        return None
    moment = datetime(2000, 1, 1, resolved, minute) + timedelta(minutes=offset)
    return moment.time()


_BARE_NUMBER = re.compile(
    r"(?<![\d.:/-])\b(\d{1,2})\b(?![.:/-]?\d)(?!\s*(?:st|nd|rd|th|days?|weeks?|months?|min"
    r"|minutes?|hours?|hrs?|h|years?|people|persons?|kids|children|%)\b)"
)


def bare_hour(text: str) -> time | None:
    """Read the last bare number as an hour, where a time is what was asked ("3 instead")."""
    numbers = [int(found) for found in _BARE_NUMBER.findall(text) if 0 < int(found) < 24]
    return read_time(str(numbers[-1]), hint=_meridiem_hint(text)) if numbers else None


def _blank(text: str, match: re.Match[str]) -> str:
    return text[: match.start()] + " " * (match.end() - match.start()) + text[match.end() :]


def read_clock(text: str) -> ClockReading:
    """Read exact times and day windows from folded text whose days are already taken out."""
    hint = _meridiem_hint(text)
    start: time | None = None
    end: time | None = None
    for pattern, part_start, part_end in _PARTS:
        if re.search(rf"\b(?:{pattern})\b", text):
            start, end = part_start, part_end
            break
    if re.search(r"\bafter\s+lunch", text):
        start, text = time(13), re.sub(r"\bafter\s+lunch(?:\s*time)?", " ", text)
    if re.search(r"\bbefore\s+lunch", text):
        end, text = time(12), re.sub(r"\bbefore\s+lunch(?:\s*time)?", " ", text)
    for match in _LUNCH.finditer(text):
        start, end, text = time(11, 30), time(13, 30), _blank(text, match)
    for match in _RANGE.finditer(text):
        first = match.group("a") or match.group("c") or match.group("e")
        last = match.group("b") or match.group("d") or match.group("f")
        start = read_time(first, hint=hint) or start
        end = read_time(last, hint=hint) or end
        text = _blank(text, match)
    for match in _AFTER.finditer(text):
        start, text = read_time(match.group("time"), hint=hint) or start, _blank(text, match)
    for match in _BEFORE.finditer(text):
        end, text = read_time(match.group("time"), hint=hint) or end, _blank(text, match)
    exact: list[tuple[int, time]] = []
    for finder in (_EXACT_RE, _CUED):
        for match in finder.finditer(text):
            found = read_time(match.group(), hint=hint)
            if found is not None:
                exact.append((match.start(), found))
            text = _blank(text, match)
    at = max(exact)[1] if exact else None
    return ClockReading(at=at, day_from=start, day_until=end)
