"""Find the days a client names: weekdays, relative days, weeks and calendar dates."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

import dateparser
from rapidfuzz.distance import OSA

from agent.offline.text import NUMBER_WORDS, is_typo_of

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WEEKDAY = "|".join(WEEKDAYS)
MONTH = (
    r"(?:january|february|march|april|may|june|july|august|september|october|november|december"
    r"|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)"
)
_ORDINAL = r"(?:st|nd|rd|th)?"
_COUNT = r"(\d{1,2}|a|an|" + "|".join(NUMBER_WORDS) + ")"

ISO_DATE = r"\b\d{4}-\d{1,2}-\d{1,2}\b"
SLASH_DATE = r"(?<![\d.:/])\d{1,2}/\d{1,2}(?:/(?:\d{4}|\d{2}))?(?![\d/])"
DOT_DATE = r"(?<![\d.:/])\d{1,2}\.\d{1,2}\.(?:\d{4}(?!\d)|\d{2}(?!\d))?"
NAMED_DATE = (
    rf"\b(?:\d{{1,2}}{_ORDINAL}(?:\s+of)?\s+{MONTH}\.?|{MONTH}\.?\s+\d{{1,2}}{_ORDINAL})"
    rf"(?:,?\s+\d{{4}})?\b"
)
ANY_DATE = f"(?:{ISO_DATE}|{NAMED_DATE}|{SLASH_DATE}|{DOT_DATE})"

_BIRTH_BEFORE = re.compile(r"(?:born|birth|dob|d\.o\.b\.?|birthday)\b[^.!?;]{0,24}$")
_NEGATED_BEFORE = re.compile(
    r"(?:\bnot|n't(?:\s+(?:do|make))?|\bcannot(?:\s+(?:do|make))?|instead\s+of|rather\s+than"
    r"|\bexcept|other\s+than)\s+(?:on\s+|a\s+|the\s+)?$"
)
_NEGATED_AFTER = re.compile(
    r"^\s*(?:is\s+|would\s+be\s+)?(?:doesn't|does\s+not|won't|will\s+not|isn't|is\s+not"
    r"|not\s+(?:possible|good|ok|okay)|bad|no\s+good|impossible)\b"
)
_PREFER_FUTURE = {"PREFER_DATES_FROM": "future", "DATE_ORDER": "DMY"}


@dataclass(frozen=True)
class DayMention:
    """One day (or run of days) named in the text, at a position in it."""

    start: int
    day: date
    span_days: int = 1
    weekday_only: bool = False
    negated: bool = False


def _next_weekday(today: date, weekday: int) -> date:
    return today + timedelta(days=(weekday - today.weekday() - 1) % 7 + 1)


def _named_weekday(today: date, weekday: int, *, next_week: bool) -> date:
    """Return the day a weekday names: "next Thursday" is in next week, even on a Wednesday."""
    if next_week:
        return _monday_after(today) + timedelta(days=weekday)
    return _next_weekday(today, weekday)


def _monday_after(today: date, weeks: int = 1) -> date:
    return today - timedelta(days=today.weekday()) + timedelta(weeks=weeks)


def _count(word: str) -> int:
    if word.isdigit():
        return int(word)
    return 1 if word in ("a", "an") else NUMBER_WORDS[word]


def read_calendar_date(text: str, *, today: date) -> tuple[date, bool] | None:
    """Read one date expression as (date, whether it gave a year); the next one if not."""
    text = text.lower()
    numbers = [int(part) for part in re.findall(r"\d+", text)]
    if re.fullmatch(ISO_DATE, text):
        year, month, day = numbers
    elif re.search("[a-z]", text):
        settings = {**_PREFER_FUTURE, "RELATIVE_BASE": datetime(today.year, 1, 1)}
        parsed = dateparser.parse(text, languages=["en"], settings=settings)
        if parsed is None:
            return None
        day, month = parsed.day, parsed.month
        years = [number for number in numbers if number >= 1000]
        year = years[0] if years else 0
    else:
        day, month = numbers[0], numbers[1]
        year = numbers[2] if len(numbers) > 2 else 0
        if 0 < year < 100:
            year += 2000
    try:
        if year:
            return date(year, month, day), True
        found = date(today.year, month, day)
        return (found if found >= today else date(today.year + 1, month, day)), False
    except ValueError:
        return None


def _dates(text: str, *, today: date) -> list[tuple[re.Match[str], DayMention | None]]:
    """Find calendar dates; past ones and birth dates come back as None, to be blanked."""
    found: list[tuple[re.Match[str], DayMention | None]] = []
    for match in re.finditer(ANY_DATE, text):
        read = read_calendar_date(match.group(), today=today)
        if read is None:
            continue
        day = read[0]
        if day < today or _BIRTH_BEFORE.search(text[: match.start()]):
            found.append((match, None))
        else:
            found.append((match, DayMention(match.start(), day)))
    return found


def _relative(match: re.Match[str], *, today: date) -> DayMention:
    phrase = match.group()
    start = match.start()
    if "after tomorrow" in phrase:
        return DayMention(start, today + timedelta(days=2))
    if "tomorrow" in phrase:
        return DayMention(start, today + timedelta(days=1))
    if phrase in ("today", "tonight") or _PART_OF_TODAY.fullmatch(phrase):
        return DayMention(start, today)
    if phrase.startswith("in "):
        amount = _count(match.group(1))
        unit = 7 if "week" in phrase else 1
        return DayMention(start, today + timedelta(days=amount * unit))
    if "weekend" in phrase:
        saturday = today + timedelta(days=(5 - today.weekday()) % 7)
        if today.weekday() == 6:
            return DayMention(start, today)
        return DayMention(start, saturday, span_days=2)
    if "after next" in phrase:
        return DayMention(start, _monday_after(today, 2), span_days=7)
    if "next" in phrase:
        return DayMention(start, _monday_after(today), span_days=7)
    return DayMention(start, today, span_days=7 - today.weekday())


_RELATIVE = re.compile(
    rf"\b(?:(?:the\s+)?day\s+after\s+tomorrow|tomorrow|today|tonight|this\s+(?:morning|afternoon"
    rf"|evening)|in\s+{_COUNT}\s+(?:days?|weeks?)"
    r"|(?:this\s+|next\s+|the\s+)?weekend|(?:the\s+)?week\s+after\s+next|next\s+week|this\s+week)\b"
)
_PART_OF_TODAY = re.compile(r"this\s+(?:morning|afternoon|evening)")
_WEEKDAY_IN_WEEK = re.compile(
    rf"\b(?:next\s+week\s+(?:on\s+)?({_WEEKDAY})|({_WEEKDAY})s?\s+(?:of\s+)?next\s+week)\b"
)
_DAY_OF_MONTH = re.compile(r"\bthe\s+(\d{1,2})(?:st|nd|rd|th)\b")
# "Thursday the 19th", "thu 19th": a weekday with its date is one day, the date's.
_WEEKDAY_AND_DATE = re.compile(
    rf"\b(?:{_WEEKDAY})s?,?\s+(?:the\s+(\d{{1,2}})(?:st|nd|rd|th)?|(\d{{1,2}})(?:st|nd|rd|th))\b"
)
_WEEKDAY_RE = re.compile(rf"\b(?:(?:next|this|coming|on)\s+)?({_WEEKDAY})s?\b")


def _blank(text: str, start: int, end: int) -> str:
    return text[:start] + " " * (end - start) + text[end:]


def _day_of_month(number: int, *, today: date) -> date | None:
    """Find the next date on or after today with this day of the month."""
    month_start = today.replace(day=1)
    for months_ahead in range(3):
        year, month = divmod(month_start.month - 1 + months_ahead, 12)
        try:
            found = date(month_start.year + year, month + 1, number)
        except ValueError:
            continue
        if found >= today:
            return found
    return None


def _typed_weekday(word: str) -> int | None:
    if not is_typo_of(word, WEEKDAYS):
        return None
    return min(range(7), key=lambda index: OSA.distance(WEEKDAYS[index], word))


def take_days(text: str, *, today: date) -> tuple[list[DayMention], str]:
    """Find day mentions in folded text; return them in order and the text with them blanked."""
    found: list[tuple[int, DayMention]] = []
    for match, mention in _dates(text, today=today):
        text = _blank(text, match.start(), match.end())
        if mention is not None:
            found.append((match.end(), mention))
    for match in _WEEKDAY_AND_DATE.finditer(text):
        day = _day_of_month(int(match.group(1) or match.group(2)), today=today)
        if day is not None:
            found.append((match.end(), DayMention(match.start(), day)))
            text = _blank(text, match.start(), match.end())
    for match in _DAY_OF_MONTH.finditer(text):
        day = _day_of_month(int(match.group(1)), today=today)
        if day is not None:
            found.append((match.end(), DayMention(match.start(), day)))
            text = _blank(text, match.start(), match.end())
    for match in _WEEKDAY_IN_WEEK.finditer(text):
        weekday = WEEKDAYS.index(match.group(1) or match.group(2))
        day = _monday_after(today) + timedelta(days=weekday)
        found.append((match.end(), DayMention(match.start(), day, weekday_only=True)))
        text = _blank(text, match.start(), match.end())
    for match in _RELATIVE.finditer(text):
        found.append((match.end(), _relative(match, today=today)))
        # "Tonight" and "this afternoon" name a part of the day too: leave it to be read.
        if match.group() != "tonight":
            keeps_part = _PART_OF_TODAY.fullmatch(match.group()) is not None
            text = _blank(text, match.start(), match.start() + 4 if keeps_part else match.end())
    for match in _WEEKDAY_RE.finditer(text):
        next_week = match.group().startswith("next")
        day = _named_weekday(today, WEEKDAYS.index(match.group(1)), next_week=next_week)
        found.append((match.end(), DayMention(match.start(), day, weekday_only=True)))
        text = _blank(text, match.start(), match.end())
    for match in re.finditer(r"[a-z]{6,}", text):
        typed = _typed_weekday(match.group())
        if typed is not None:
            next_week = re.search(r"\bnext\s+$", text[: match.start()]) is not None
            day = _named_weekday(today, typed, next_week=next_week)
            found.append((match.end(), DayMention(match.start(), day, weekday_only=True)))
            text = _blank(text, match.start(), match.end())
    mentions = [
        replace(mention, negated=_is_negated(text, mention.start, end)) for end, mention in found
    ]
    return sorted(mentions, key=lambda mention: mention.start), text


def _is_negated(text: str, start: int, end: int) -> bool:
    before = re.sub(r"\s+", " ", text[:start])
    return bool(_NEGATED_BEFORE.search(before) or _NEGATED_AFTER.search(text[end:]))
