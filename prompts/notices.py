"""The practice's notice sentences (domain/booking/notice.py) in the client's language.

The domain words its refusals in English, the language of tool results; a reply in German or
Russian puts the known ones in its own words here, and leaves any other sentence as it is.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from prompts.localising import localised_when

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
SENTENCES = {
    "de": {
        HOLD: "Dieser Termin beginnt in weniger als {hours} Stunden und kann nach der Buchung "
        "nicht mehr online geändert werden. Um ihn später zu ändern oder abzusagen, {reach}.",
        BOOKED_LATE: "Dieser Termin kann nicht mehr online geändert werden: Er wurde weniger "
        "als {hours} Stunden vor Beginn gebucht. Bitte {reach}.",
        PAST_DEADLINE: "Dieser Termin kann nicht mehr online geändert werden: Termine lassen "
        "sich nur bis {hours} Stunden vor Beginn online ändern, dieser bis {until}. Bitte "
        "{reach}.",
    },
    "ru": {
        HOLD: "Эта запись начинается менее чем через {hours} ч., поэтому после записи её "
        "нельзя будет изменить онлайн. Чтобы потом изменить или отменить её, {reach}.",
        BOOKED_LATE: "Эту запись больше нельзя изменить онлайн: она сделана менее чем за "
        "{hours} ч. до начала. Пожалуйста, {reach}.",
        PAST_DEADLINE: "Эту запись больше нельзя изменить онлайн: записи можно менять онлайн "
        "не позднее чем за {hours} ч. до начала, эту — до {until}. Пожалуйста, {reach}.",
    },
}


def localised_note(text: str | None, language: str) -> str:
    """Return a notice sentence of the domain in the language, or the text as it was."""
    if not text or language not in SENTENCES:
        return text or ""
    for pattern, wording in SENTENCES[language].items():
        found = pattern.match(text.strip())
        if found is None:
            continue
        values = found.groupdict()
        values["reach"] = _reach(values["reach"], language)
        if "until" in values:
            values["until"] = localised_when(values["until"], language)
        return wording.format(**values)
    return text


def _reach(text: str, language: str) -> str:
    for pattern, key in REACH:
        found = pattern.match(text)
        if found is not None:
            return REACH_WORDS[language][key].format(*found.groups())
    return text
