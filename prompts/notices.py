"""The domain's refusals in the client's language: the practice's notice sentences
(domain/booking/notice.py) and why a start is not free (domain/scheduling/slot_rules.py).

The domain words its refusals in English, the language of tool results; a reply in German or
Russian puts the known ones in its own words here, and leaves any other sentence as it is.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from prompts.localising import localised_when, on_localised_day

Wording = Callable[[re.Match[str], str], str]

REACH = (
    (re.compile(r"^call the practice on (.+) or email (\S+)$"), "phone_or_email"),
    (re.compile(r"^call the practice on (.+)$"), "phone"),
    (re.compile(r"^email the practice at (\S+)$"), "email"),
    (re.compile(r"^ask here in the chat for a person at the practice$"), "chat"),
)
REACH_WORDS = {
    "de": {
        "phone_or_email": "rufen Sie die Praxis unter {0} an oder schreiben Sie an {1}",
        "phone": "rufen Sie die Praxis unter {0} an",
        "email": "schreiben Sie der Praxis an {0}",
        "chat": "fragen Sie hier im Chat nach einer Person aus der Praxis",
    },
    "ru": {
        "phone_or_email": "позвоните в практику по номеру {0} или напишите на {1}",
        "phone": "позвоните в практику по номеру {0}",
        "email": "напишите в практику на {0}",
        "chat": "попросите здесь в чате связать вас с сотрудником практики",
    },
}
HOLD = re.compile(
    r"^This appointment starts in less than (?P<hours>\d+) hours, so once booked it can no "
    r"longer be changed online\. To change or cancel it later, (?P<reach>.+)\.$"
)
BOOKED_LATE = re.compile(
    r"^This appointment can no longer be changed online: it was booked less than (?P<hours>\d+)"
    r" hours before it starts\. To (?:cancel|move|change or cancel) it, (?P<reach>.+)\.$"
)
PAST_DEADLINE = re.compile(
    r"^This appointment can no longer be changed online: appointments can be \w+ online only "
    r"up to (?P<hours>\d+) hours before they start, and this one could have been \w+ until "
    r"(?P<until>.+)\. To (?:cancel|move|change or cancel) it, (?P<reach>.+)\.$"
)
# Why a start is not free, as slot_rules.explain and slot_rules.taken word it.
CLOSED = re.compile(r"^(?P<provider>.+) has no (?P<service>.+) starting (?P<when>.+)\.$")
TOO_SOON = re.compile(
    r"^Appointments need at least (?P<minutes>\d+) minutes' notice; the earliest possible "
    r"start is (?P<earliest>.+)\.$"
)
TOO_FAR = re.compile(
    r"^Appointments can be booked at most (?P<days>\d+) days ahead, up to (?P<last>.+)\.$"
)
TIME_OFF = re.compile(r"^(?P<provider>.+) is away (?:on )?(?P<on_when>.+)\.$")
TAKEN = re.compile(r"^Sorry, (?P<when>.+) with (?P<provider>.+) is already taken\.$")
JUST_TAKEN = re.compile(
    r"^Sorry, (?P<when>.+) with (?P<provider>.+) was just taken by someone else\.$"
)
SENTENCES = {
    "de": {
        CLOSED: "Bei {provider} beginnt {when} kein Termin für {service}.",
        TOO_SOON: "Termine brauchen mindestens {minutes} Minuten Vorlauf; der früheste mögliche "
        "Beginn ist {earliest}.",
        TOO_FAR: "Termine können höchstens {days} Tage im Voraus gebucht werden, bis {last}.",
        TIME_OFF: "{provider} ist {on_when} nicht da.",
        TAKEN: "Leider ist {when} bei {provider} schon vergeben.",
        JUST_TAKEN: "Leider wurde {when} bei {provider} gerade von jemand anderem gebucht.",
        HOLD: "Dieser Termin beginnt in weniger als {hours} Stunden und kann nach der Buchung "
        "nicht mehr online geändert werden. Um ihn später zu ändern oder abzusagen, {reach}.",
        BOOKED_LATE: "Dieser Termin kann nicht mehr online geändert werden: Er wurde weniger "
        "als {hours} Stunden vor Beginn gebucht. Bitte {reach}.",
        PAST_DEADLINE: "Dieser Termin kann nicht mehr online geändert werden: Termine lassen "
        "sich nur bis {hours} Stunden vor Beginn online ändern, dieser bis {until}. Bitte "
        "{reach}.",
    },
    "ru": {
        CLOSED: "{provider}: нет приёма «{service}» с началом {when}.",
        TOO_SOON: "Записываться нужно не позднее чем за {minutes} мин.; самое раннее возможное "
        "время — {earliest}.",
        TOO_FAR: "Записаться можно не более чем на {days} дн. вперёд, до {last}.",
        TIME_OFF: "{provider} отсутствует {on_when}.",
        TAKEN: "К сожалению, время {when} ({provider}) уже занято.",
        JUST_TAKEN: "К сожалению, время {when} ({provider}) только что заняли.",
        HOLD: "Эта запись начинается менее чем через {hours} ч., поэтому после записи её "
        "нельзя будет изменить онлайн. Чтобы потом изменить или отменить её, {reach}.",
        BOOKED_LATE: "Эту запись больше нельзя изменить онлайн: она сделана менее чем за "
        "{hours} ч. до начала. Пожалуйста, {reach}.",
        PAST_DEADLINE: "Эту запись больше нельзя изменить онлайн: записи можно менять онлайн "
        "не позднее чем за {hours} ч. до начала, эту — до {until}. Пожалуйста, {reach}.",
    },
}


def localised_note(text: str | None, language: str) -> str:
    """Return the domain's sentences in the language; any sentence it does not know stays as
    it was. Several sentences may come joined by spaces (why each time asked for is not free)."""
    if not text or language not in SENTENCES:
        return text or ""
    text = text.strip()
    # A known sentence ends at one of the '. ' (not every one: 'Dr. Weber' has one too); the
    # shortest that reads as one is the first sentence, as a pattern's '.+' could run on.
    for end in _SENTENCE_ENDS.finditer(text):
        first = _sentence(text[: end.start() + 1], language)
        if first is not None:
            return f"{first} {localised_note(text[end.end() :], language)}"
    whole = _sentence(text, language)
    return text if whole is None else whole


_SENTENCE_ENDS = re.compile(r"\. ")


def _sentence(text: str, language: str) -> str | None:
    for pattern, wording in SENTENCES[language].items():
        found = pattern.match(text)
        if found is not None:
            return wording.format(**_localised_values(found.groupdict(), language))
    return None


def _localised_values(values: dict[str, str], language: str) -> dict[str, str]:
    """Put the days, times and ways to reach the practice a sentence names in the language."""
    localised = dict(values)
    for name in ("when", "earliest", "until", "last"):
        if name in values:
            localised[name] = localised_when(values[name], language)
    if "on_when" in values:
        localised["on_when"] = on_localised_day(values["on_when"], language)
    if "reach" in values:
        localised["reach"] = _reach(values["reach"], language)
    return localised


def _reach(text: str, language: str) -> str:
    for pattern, key in REACH:
        found = pattern.match(text)
        if found is not None:
            return REACH_WORDS[language][key].format(*found.groups())
    return text
