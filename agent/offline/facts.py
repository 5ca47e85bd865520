"""Pick profile values out of a client's message: birth date, insurance number, address …"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import date
from functools import cache
from importlib import resources

import yaml

from agent.offline.answers import classify_answer
from agent.offline.days import ANY_DATE, read_calendar_date
from agent.offline.text import fold, words

_STOP = r"(?=\.\s*$|\.\s+(?-i:[A-Z])|[!?;\n]|\s+and\s+(?:i|i'm|i'd|my|the|me)\b|$)"
_DATE_OF_BIRTH = re.compile(
    r"(?:date\s+of\s+birth|birth\s*date|birthday|dob|d\.o\.b\.?|born(?:\s+on|\s+in)?)"
    rf"\s*(?:is|was|:|-|=)?\s*(?:the\s+)?(?P<value>{ANY_DATE})"
)
_INSURANCE = re.compile(
    r"\b(?:insurance|insurance\s+card|policy|member(?:ship)?)\s*(?:number|no\.?|nr\.?|id|#)?"
    r"\s*(?:is|:|=)?\s*(?P<value>[a-z0-9][a-z0-9-]{3,}[a-z0-9])\b",
    re.IGNORECASE,
)
_ID_SHAPE = re.compile(r"(?=[A-Za-z0-9-]*\d)[A-Za-z]{0,4}-?[A-Za-z0-9]{5,}")
_ADDRESS = re.compile(
    r"\b(?:i\s+live\s+(?:at|in|on)|i'm\s+living\s+(?:at|in)|living\s+at|my\s+(?:home\s+|postal\s+)?"
    rf"address\s+is|address\s*:|i\s+reside\s+at|we\s+live\s+(?:at|in))\s+(?P<value>.+?){_STOP}",
    re.IGNORECASE,
)
_ADDRESS_SHAPE = re.compile(
    r"\b\d{4,5}\s+\w+|[\w\s](?:strasse|stra\u00dfe|str\.|street|road|avenue|allee|platz|weg|gasse"
    r"|damm|ufer|lane|drive)\s+\d+"
    r"|\b\d{1,5}\s+(?:\w+\s+){1,3}(?:street|st|road|rd|avenue|ave|lane|drive|boulevard|blvd"
    r"|crescent|court|way|place)\b",
    re.IGNORECASE,
)
# An identifier as written on a card: letters, digits and dashes with at least five digits.
_ID_TOKEN = re.compile(r"(?=(?:[^\d\s]*\d){5})[A-Za-z0-9][A-Za-z0-9-]{4,24}[A-Za-z0-9]")
# What a client writes before a value in a list of them: "dob 3.4.85, employer X".
_VALUE_CUE = re.compile(
    r"^\s*(?:(?:my|the)\s+)?(?:date\s+of\s+birth|birth\s*date|birthday|dob|d\.o\.b\.?"
    r"|(?:i\s+was\s+|i\s+am\s+)?born(?:\s+on|\s+in)?|(?:home\s+)?address|i\s+live\s+(?:at|in|on)"
    r"|employer|(?:health\s+|insurance\s+)?(?:card|insurance)(?:\s+(?:number|no\.?|nr\.?|#))?"
    r"|(?:policy\s+|member(?:ship)?\s+)?(?:number|no\.?|nr\.?|#)|email|e-mail|phone|mobile)"
    r"(?:\s+(?:is|was|are))?\s*[:=#-]?\s*",
    re.IGNORECASE,
)
_EMPLOYER = re.compile(
    r"\b(?:i\s+work\s+(?:at|for|with)|i'm\s+(?:working|employed)\s+(?:at|for|by)|i\s+am\s+"
    r"(?:working|employed)\s+(?:at|for|by)|(?:my|the)\s+(?:employer|company|firm)\s+is|employer\s*:"
    r"|employed\s+by)\s+"
    r"(?P<value>.+?)(?=[,.;!?\n]|\s+(?:as|and|since|but|so|in)\b|$)",
    re.IGNORECASE,
)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = r"(?:\+|\b00)?\d[\d\s()/-]{5,}\d"
_PHONE_CUE = re.compile(
    rf"\b(?:phone|mobile|cell|tel|telephone|number|call\s+me|reach\s+me)\b\D{{0,20}}({_PHONE})",
    re.IGNORECASE,
)
_SENTENCE_WORDS = frozenset(
    {"i", "i'm", "im", "my", "me", "is", "am", "are", "was", "born", "live", "insurance", "address",
     "what", "why", "how", "when", "where", "who", "which", "do", "don't", "dont", "can", "know"}
)  # fmt: skip
_INTERNATIONAL_PHONE = re.compile(r"(?<![\w-])(?:\+|00)\d[\d\s()/-]{5,}\d")


def _date_of_birth(text: str, today: date) -> str | None:
    match = _DATE_OF_BIRTH.search(fold(text))
    return _birth_date(match.group("value"), today) if match else None


def _birth_date(phrase: str, today: date) -> str | None:
    read = read_calendar_date(phrase, today=today)
    if read is None or not read[1]:
        return None
    born = read[0]
    if born > today and not re.search(r"\d{4}", phrase):
        born = born.replace(year=born.year - 100)
    return born.isoformat() if date(1900, 1, 1) < born < today else None


def _insurance_number(text: str, _today: date) -> str | None:
    for match in _INSURANCE.finditer(text):
        value = match.group("value")
        if any(char.isdigit() for char in value):
            return value.upper()
    return None


def _address(text: str, _today: date) -> str | None:
    match = _ADDRESS.search(text)
    if match is None:
        return None
    value = match.group("value").strip(" ,.")
    return value if any(char.isdigit() for char in value) or "live in" not in fold(text) else None


def _employer(text: str, _today: date) -> str | None:
    match = _EMPLOYER.search(text)
    return match.group("value").strip() if match else None


def _email(text: str, _today: date) -> str | None:
    match = _EMAIL.search(text)
    return match.group().rstrip(".") if match else None


def _normalise_phone(raw: str) -> str | None:
    digits = re.sub(r"[\s()/-]", "", raw)
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    count = len(digits.lstrip("+"))
    return digits if 7 <= count <= 15 else None


def _phone(text: str, _today: date) -> str | None:
    for pattern in (_INTERNATIONAL_PHONE, _PHONE_CUE):
        for match in pattern.finditer(_without_ids(text)):
            found = _normalise_phone(match.group(match.lastindex or 0))
            if found is not None:
                return found
    return None


def _without_ids(text: str) -> str:
    """Blank insurance numbers and dates so their digits are not read as phone numbers."""
    for pattern in (_INSURANCE, re.compile(ANY_DATE, re.IGNORECASE)):
        text = pattern.sub(lambda match: " " * len(match.group()), text)
    return text


@cache
def _nationalities() -> dict[str, str]:
    """Every way of saying a nationality, folded, to the English demonym stored."""
    listed = resources.files("agent.offline") / "lexicons" / "nationalities.yaml"
    data = yaml.safe_load(listed.read_text(encoding="utf-8"))
    return {
        fold(str(said)): str(demonym)
        for demonym, others in data.items()
        for said in [demonym, *others]
    }


# "I'm German", "nationality: Turkish", "a Polish citizen", "citizen of Canada", "Ich bin
# Deutsche": the word after the cue is looked up, so "I'm running late" names nobody's.
_NATIONALITY_CUE = re.compile(
    r"\b(?:nationality|citizenship|staatsangehorigkeit|гражданство)\s*(?:is|:|ist)?\s*"
    r"|\b(?:i'm|i\s+am|(?:ich|i)\s+bin|я)\s+(?:a\s+|an\s+)?"
    r"|\bcitizen\s+of\s+(?:the\s+)?",
    re.IGNORECASE,
)


def _nationality(text: str, _today: date) -> str | None:
    known = _nationalities()
    folded = fold(text)
    if folded.strip(" .!") in known:  # the answer alone: "German", "türkisch"
        return known[folded.strip(" .!")]
    for cue in _NATIONALITY_CUE.finditer(folded):
        rest = _WORDS_ANY_SCRIPT.findall(folded[cue.end() :])
        for length in (2, 1):  # "united states" before "united"
            said = " ".join(rest[:length])
            if said in known:
                return known[said]
    for found in _BEFORE_CITIZEN.finditer(folded):  # "a Polish citizen", "my Turkish passport"
        if found.group(1) in known:
            return known[found.group(1)]
    # Named outright ("my nationality is Icelandic"): taken as said, listed or not.
    return _named_value(text, "nationality")


_WORDS_ANY_SCRIPT = re.compile(r"[^\W_]+")
_BEFORE_CITIZEN = re.compile(r"([^\W_]+)\s+(?:citizen|national|passport)\b")


_EXTRACTORS: dict[str, Callable[[str, date], str | None]] = {
    "date_of_birth": _date_of_birth,
    "insurance_number": _insurance_number,
    "address": _address,
    "employer": _employer,
    "email": _email,
    "phone": _phone,
    "nationality": _nationality,
}


def _named_value(text: str, field: str) -> str | None:
    label = r"\s+".join(field.split("_"))
    found = re.search(rf"\bmy\s+{label}\s+(?:is|:)\s*(?P<value>.+?){_STOP}", text, re.IGNORECASE)
    return found.group("value").strip(" ,.") if found else None


def _bare_value(text: str, wanted: Sequence[str], today: date) -> dict[str, str]:
    """Read a message that is only a value, by its shape or as the one field asked for."""
    value = text.strip().strip(".!")
    shapes: dict[str, str | None] = {
        "date_of_birth": _birth_date(value, today) if re.fullmatch(ANY_DATE, fold(value)) else None,
        "email": value if _EMAIL.fullmatch(value) else None,
        "phone": _normalise_phone(value) if re.fullmatch(_PHONE, value) else None,
        "insurance_number": value.upper() if _ID_SHAPE.fullmatch(value) else None,
        "address": value if _ADDRESS_SHAPE.search(value) else None,
    }
    for field, found in shapes.items():
        if found is not None and field in wanted:
            return {field: found}
    if len(wanted) != 1 or wanted[0] in shapes or any(shapes.values()):
        return {}
    value = re.sub(r"^(?:at|for|by|with)\s+", "", value, flags=re.IGNORECASE)
    sentence_like = set(words(value)) & _SENTENCE_WORDS or "?" in value
    if not value or sentence_like or len(value.split()) > 6 or classify_answer(value) != "unclear":
        return {}
    return {wanted[0]: value}


def _is_identifier_field(field: str) -> bool:
    return field.endswith("_number") or "insurance" in field or "card" in field


def _listed_values(text: str, wanted: Sequence[str], today: date) -> dict[str, str]:
    """Read a list of values ("21.08.1990, T123456789, Danziger Str. 12, 10435 Berlin").

    Each comma-separated part is read by its shape once its label ("dob", "address") is
    stripped; the parts of one address (street, then postcode and town) are joined again.
    """
    found: dict[str, str] = {}
    address: list[str] = []
    for raw in re.split(r"[,;\n]|\s+and\s+", text):
        labelled = raw.strip().strip(".!")
        part = _VALUE_CUE.sub("", labelled, count=1).strip()
        if not part:
            continue
        if re.match(r"(?i)employer\b", labelled) and "employer" in wanted:
            found.setdefault("employer", part)
            continue
        if (
            address
            and not _ADDRESS_SHAPE.search(part)
            and re.fullmatch(r"[A-Z][\w\s.-]{1,30}", part)
        ):
            address.append(part)  # the town after the street: "45 Dundas St W, Toronto"
            continue
        if re.fullmatch(ANY_DATE, fold(part)):
            born = _birth_date(part, today)
            if born and "date_of_birth" in wanted:
                found.setdefault("date_of_birth", born)
            continue
        if sum(char.isdigit() for char in part) >= 7 and not _ID_TOKEN.fullmatch(part):
            continue  # a phone number, whatever else it looks like: never a street or an id
        if _ADDRESS_SHAPE.search(part) and not re.search(ANY_DATE, fold(part)):
            address.append(part)
            continue
        if _ID_TOKEN.fullmatch(part):
            field = next((f for f in wanted if _is_identifier_field(f) and f not in found), None)
            if field is not None:
                found[field] = part.upper()
    if address and "address" in wanted:
        found["address"] = ", ".join(address)
    return found


def extract_facts(text: str, *, wanted: Sequence[str], today: date) -> dict[str, str]:
    """Return the wanted profile values a message gives, dates of birth as ISO dates."""
    found: dict[str, str] = {}
    for field in wanted:
        extractor = _EXTRACTORS.get(field)
        value = extractor(text, today) if extractor else _named_value(text, field)
        if value:
            found[field] = value
    listed = _listed_values(text, [field for field in wanted if field not in found], today)
    return {**found, **listed} or _bare_value(text, wanted, today)
