"""Dates, times and prices as a client reads them in their language (Babel's locale data).

Tool results carry days as `domain.kernel.timefmt.format_when` writes them, in English and
language-neutral ('Thu 5 Mar, 08:00', 'tomorrow, 09:00'); replies in another language put
them in its words here, so tools and their results stay the same whatever the language.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from babel.dates import get_day_names, get_month_names
from babel.numbers import format_currency

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
WHEN = re.compile(
    r"^(?:(?P<near>today|tomorrow)|(?P<weekday>{days}) (?P<day>\d{{1,2}}) (?P<month>{months})"
    r"(?: (?P<year>\d{{4}}))?)(?:, (?P<time>\d{{2}}:\d{{2}}))?(?P<rest>.*)$".format(
        days="|".join(WEEKDAYS), months="|".join(MONTHS)
    )
)
NEAR_DAYS = {
    "de": {"today": "heute", "tomorrow": "morgen"},
    "ru": {"today": "сегодня", "tomorrow": "завтра"},
}
# How a day is written: 'Do., 5. März', 'чт, 5 мар.'.
DAY_PATTERNS = {"de": "{weekday}, {day}. {month}", "ru": "{weekday}, {day} {month}"}
# How an offered time names its provider: 'Do., 5. März, 08:00 bei Dr. Weber'.
WITH_PROVIDER = {"de": " bei ", "ru": " — "}
# What goes before a day that is no 'today' or 'tomorrow': 'am Do., 5. März'.
ON_DAY = {"en": "on ", "de": "am ", "ru": ""}


def localised_when(when: str, language: str) -> str:
    """Write a day and time from a tool's result in the client's language."""
    match = WHEN.match(when)
    if match is None or language not in DAY_PATTERNS:
        return when
    if match["near"]:
        day = NEAR_DAYS[language][match["near"]]
    else:
        weekday = get_day_names("abbreviated", locale=language)[WEEKDAYS.index(match["weekday"])]
        month = get_month_names("abbreviated", locale=language)[MONTHS.index(match["month"]) + 1]
        day = DAY_PATTERNS[language].format(weekday=weekday, day=match["day"], month=month)
        if match["year"]:
            day = f"{day} {match['year']}"
    rest = match["rest"]
    if rest.startswith(" with "):
        rest = WITH_PROVIDER[language] + rest.removeprefix(" with ")
    if match["time"] is None:  # a day alone: 'up to Fri 8 May 2026'
        return f"{day}{rest}"
    return f"{day}, {match['time']}{rest}"


def on_localised_day(when: str, language: str) -> str:
    """Put the language's 'on' before a day, but not before 'today' or 'tomorrow'."""
    if when.startswith(("today", "tomorrow")):
        return localised_when(when, language)
    return f"{ON_DAY.get(language, '')}{localised_when(when, language)}"


def localised_price(price: object, currency: str, language: str) -> str:
    """Write a price for the language's locale: '45,00 €' in German, '45.00 EUR' in English."""
    try:
        amount = Decimal(str(price))
    except InvalidOperation:
        return f"{price} {currency}"
    if language == "en":
        # English replies keep the form the English suites and clients already know.
        return f"{price} {currency}"
    return format_currency(amount, currency, locale=language)
