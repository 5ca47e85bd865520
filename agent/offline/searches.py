"""What a client asks to find (a provider's name, a place, a need) and whom the search found."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from agent.offline.days import WEEKDAYS
from agent.offline.lexicon import plain_english
from agent.offline.matching import rank_matches
from agent.offline.text import NUMBER_WORDS, fold, words

# How many providers one offer compares; more would bury the client in times.
MAX_PROVIDERS = 3
NAME_MATCH = 80  # rapidfuzz score from which what the client said names a provider or service
_NEAR_BEST = 5

_TITLED_NAME = re.compile(r"\b(?i:dr\.?|doctor|prof\.?|mr\.?|mrs\.?|ms\.?)\s+((?-i:[A-Z])[\w-]+)")
# A title before a word in lower case ("dr nguen") names someone too, unless the word is an
# everyday one ("doctor tomorrow", "dr please").
_TITLED_LOWER = re.compile(r"\b(?i:dr\.?|prof\.?|mrs\.?|mr\.?|ms\.?)\s+([a-z][\w-]+)")
_CAPITALISED = r"(?-i:[A-Z\u0410-\u042f\u0401])[\w'-]*"
_PLACE = re.compile(
    rf"\b(?i:in|near|around|close\s+to)\s+(?:the\s+)?(?P<place>{_CAPITALISED}(?:\s+{_CAPITALISED})*)"
)
_NAME_RUN = re.compile(rf"{_CAPITALISED}(?:\s+{_CAPITALISED})*")
_MONTHS = (
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december",
)  # fmt: skip
_NOT_NAMES = frozenset(
    {"i", "i'm", "i'd", "i'll", "i've", "hi", "hello", "hey", "dear", "good", "can", "could",
     "would", "will", "please", "thanks", "thank", "yes", "no", "ok", "okay", "my", "the", "a",
     "an", "is", "are", "what", "when", "where", "how", "which", "who", "do", "does", "then",
     "and", "or", "but", "also", "actually", "sorry", "any", "anyone", "someone", "somebody",
     "book", "see", "need", "want", "let", "tomorrow", "today", "next", "this", "morning",
     "afternoon", "evening", "dr", "dr.", "doctor", "gp", "asap", "there", "great", "fine",
     *WEEKDAYS, *(f"{day}s" for day in WEEKDAYS), *_MONTHS}
)  # fmt: skip
# Words that say nothing about whom the client needs: what is left is the need.
_NO_NEED = frozenset(
    {"a", "an", "the", "i", "i'd", "i'm", "id", "im", "me", "my", "to", "for", "with", "at", "on",
     "in", "of", "and", "or", "is", "are", "be", "it", "can", "could", "would", "will", "do",
     "does", "please", "pls", "thanks", "thank", "you", "hi", "hello", "hey", "like", "want",
     "need", "see", "get", "make", "have", "book", "booking", "appointment", "appointments",
     "appt", "visit", "slot", "slots", "time", "times", "free", "available", "availability",
     "one", "ones", "next", "first", "earliest", "soonest", "soon", "as", "possible", "asap",
     "someone", "somebody", "anyone", "anybody", "any", "there", "what", "when", "which",
     "how", "about", "instead", "then", "rather", "else", "other", "another", "different",
     "day", "week", "today", "tomorrow", "morning", "afternoon", "evening", "noon", "am", "pm",
     "after", "before", "from", "until", "between", "around", "early", "late", "later",
     "earlier", "o'clock", "this", "that", "ok", "okay", "good", "fine", "works", "also",
     "still", "again", "just", "bye", "goodbye", "cheers", "some", "so", "if", "not", "dont",
     "don't", "yes", "no", "we", "us", "our", "sorry", "actually", "maybe", "perhaps", "let",
     "lets", "let's", "show", "tell", "give", "find", "look", "check", "up", "out", "all",
     "new", "go", "come", "by", "something", "anything", "whatever", "sometime", "anytime",
     "second", "third", "fourth", "fifth", "sixth", "last", "former", "latter", "option",
     "open", "closed", "days", "weeks", "month", "months", "hour", "hours", "minute", "minutes",
     "mins", "year", "years", "oclock", *WEEKDAYS, *(f"{day}s" for day in WEEKDAYS), *_MONTHS}
)  # fmt: skip


# Asking when the practice opens names a time of the practice's, not a need or a booking time:
# "what are your Saturday hours?", "is the practice open on Monday?", "when do you close?".
_OPENING_HOURS = re.compile(
    rf"\b(?:(?:opening|office|business|working|your|weekend|(?:{'|'.join(WEEKDAYS)})s?)\s+hours"
    r"|opening\s+times|hours\s+of\s+(?:the|your)|(?:you(?:\s+guys|\s+all|\s+folks)?|y'all"
    r"|we|practice|office|clinic|surgery|it|they)\s+(?:open|close)s?|clos(?:e|es|ing)(?!\s+(?:to|by)\b))\b"
)


def asks_opening_hours(text: str) -> bool:
    """Tell whether a message asks when the practice or an office opens or closes."""
    return _OPENING_HOURS.search(fold(text)) is not None


@dataclass(frozen=True)
class SearchRequest:
    """Who a client is looking for; every part is None when the message does not say."""

    provider_name: str | None = None
    location: str | None = None
    need: str | None = None

    @property
    def is_empty(self) -> bool:
        return self == SearchRequest()

    def tool_args(self) -> dict[str, str]:
        """Return the search_providers arguments: a name, when given, says more than a need."""
        args = {
            "provider_name": self.provider_name,
            "location": self.location,
            "need": None if self.provider_name else self.need,
        }
        return {key: value for key, value in args.items() if value}


_ANY_DOCTOR = frozenset({"doctor", "doctors", "doc", "physician", "medic", "arzt"})
# Short forms clients use that the catalog spells out; the embedding does not know them.
_SHORT_FORMS = {
    "gp": "general practitioner",
    "physio": "physiotherapy",
    "derm": "dermatology",
    "derma": "dermatology",
    "obgyn": "gynaecology",
    "gyno": "gynaecology",
}
_SHORT_FORM = re.compile(rf"\b(?i:{'|'.join(_SHORT_FORMS)})\b")


def spelled_out(text: str) -> str:
    """Write the short forms clients use ("GP", "physio") as the catalog spells them."""
    return _SHORT_FORM.sub(lambda found: _SHORT_FORMS[found.group().lower()], text)


def _take_place(text: str) -> tuple[str | None, str]:
    """Return the place a text names ("in Charlottenburg") and the text without it."""
    place = _PLACE.search(text)
    if place is None or fold(place.group("place").split()[0]) in _NOT_NAMES:
        return None, text
    return place.group("place"), text[: place.start()] + " " + text[place.end() :]


def need_of(text: str) -> str | None:
    """Return what a whole message says the client needs, leaving out the place."""
    rest = spelled_out(_take_place(text)[1])
    return " ".join(rest.split()) if content_words(rest) else None


def read_search(text: str) -> SearchRequest:
    """Read whom a client asks for: a named provider, a place, and what they need."""
    location, rest = _take_place(text)
    name, span = _provider_name(rest)
    if span:
        rest = rest[: span[0]] + " " + rest[span[1] :]
    rest = spelled_out(rest)
    named = content_words(rest)
    need = " ".join(rest.split()) if named else None
    if named and set(named) <= _ANY_DOCTOR:
        # "Can I see a doctor today?": a doctor for anything is the general practitioner.
        need = "general practitioner"
    if asks_opening_hours(text):
        # "The law office" in "when does the law office open?" says where, not what for.
        need = None
    return SearchRequest(provider_name=name, location=location, need=need)


# Sounds of thinking aloud ("hmm", "umm", "ahh", "erm"), however many letters are drawn out.
_INTERJECTION = re.compile(r"^(?:h+m+|u+m+|u+h+|e+r+m*|a+h+|o+h+|m+h*m+|w+e+l+)$")


# Words that are filler as verbs but name a need after an article: "a will", "my will".
_NOUNS_AFTER_AN_ARTICLE = frozenset({"will"})
_ARTICLES = frozenset({"a", "an", "the", "my", "our", "his", "her", "their", "mum's", "dad's"})


def content_words(text: str) -> list[str]:
    """Return the words that name someone or something: no filler, days, times or numbers."""
    found = words(text)
    return [
        w
        for before, w in zip(["", *found], found, strict=False)
        if (w not in _NO_NEED or (w in _NOUNS_AFTER_AN_ARTICLE and before in _ARTICLES))
        and not _INTERJECTION.match(w)
        and w not in NUMBER_WORDS
        and not any(c.isdigit() for c in w)
    ]


def _provider_name(text: str) -> tuple[str | None, tuple[int, int] | None]:
    """Find a provider's name and where it stands: after a title, or as capitalised words."""
    titled = _TITLED_NAME.search(text)
    if titled:
        return titled.group(1), titled.span()
    lower = _TITLED_LOWER.search(text)
    if lower and lower.group(1) not in _NOT_NAMES and lower.group(1) not in _NO_NEED:
        return lower.group(1), lower.span()
    for run in _NAME_RUN.finditer(text):
        names = [word for word in run.group().split() if fold(word) not in _NOT_NAMES]
        sentence_start = run.start() == 0 or text[: run.start()].rstrip()[-1:] in ".!?"
        # A lone capitalised word opening a sentence is just the sentence's first word.
        if names and not (sentence_start and len(run.group().split()) == 1):
            return " ".join(names), run.span()
    return None, None


def _names_of(provider: dict[str, Any]) -> list[str]:
    services = [str(service["name"]) for service in provider["services"]]
    return [str(provider["name"]), str(provider["kind"]), *provider["specialties"], *services]


def _kinds_named(text: str, found: list[dict[str, Any]]) -> set[str]:
    said = set(words(text))
    return {
        str(provider["kind"])
        for provider in found
        if {str(provider["kind"]), f"{provider['kind']}s"} & said
    }


def pick_providers(
    found: list[dict[str, Any]],
    text: str,
    searched: dict[str, Any],
    *,
    discussed: str | None = None,
) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """Keep the found providers that fit what the client said, each with the fitting service.

    The search finds by meaning, so it also returns near misses: a kind of provider or a
    specialty the client named narrows them; a bare need keeps the best fit and whoever offers
    the same service; a search by name or place keeps everyone it found.
    """
    if not found:
        return []
    kept = found
    kinds = _kinds_named(text, found)
    ranked = rank_matches(
        text, {p["provider_id"]: _names_of(p) for p in found}, limit=len(found), cutoff=NAME_MATCH
    )
    if kinds:
        kept = [provider for provider in found if provider["kind"] in kinds]
    elif ranked:
        best = ranked[0][1]
        close = {pid for pid, score in ranked if score >= best - _NEAR_BEST}
        if searched.get("need") and found[0]["provider_id"] in close:
            # The search ranked by meaning; a name match almost as good as the best ("check-up"
            # in "gynaecology check-up") only adds colleagues offering the best-fitting service.
            top = found[0]["services"][0]["service_id"]
            close = {
                p["provider_id"] for p in found if p["provider_id"] in close and _offers(p, top)
            }
        kept = [provider for provider in found if provider["provider_id"] in close]
    elif searched.get("need") and not (searched.get("location") or searched.get("provider_name")):
        first = found[0]["services"][0]["service_id"]
        kept = [p for p in found if first in {s["service_id"] for s in p["services"]}]
    by_fit = bool(searched.get("need"))
    return [
        (provider, _fitting_service(provider, text, by_fit=by_fit, discussed=discussed))
        for provider in kept[:MAX_PROVIDERS]
    ]


def _offers(provider: dict[str, Any], service_id: str) -> bool:
    return service_id in {service["service_id"] for service in provider["services"]}


def _fitting_service(
    provider: dict[str, Any], text: str, *, by_fit: bool, discussed: str | None
) -> dict[str, Any]:
    services: list[dict[str, Any]] = provider["services"]
    ranked = rank_matches(text, {s["service_id"]: [s["name"]] for s in services}, limit=1)
    if ranked:
        return next(s for s in services if s["service_id"] == ranked[0][0])
    offered = [s for s in services if s["service_id"] == discussed]
    if offered and not by_fit:
        # "With Ms Tremblay on the 5th" after her certified copies were offered: the same
        # service, not whichever of hers comes first.
        return offered[0]
    if by_fit:
        return services[0]  # the search ordered them by how well they fit the need said
    # Nothing names a service ("does Dr. Patel have anything?"): the ordinary visit, which is
    # the shortest, rather than whichever sorts first (an annual physical, a notarial deed).
    return min(services, key=lambda service: int(service.get("duration_min") or 0))


_CYRILLIC_WORD = re.compile(r"^[\u0400-\u04ff]+$")


def _read_as_a_need(word: str) -> bool:
    english = plain_english(word)
    return fold(english) != word and bool(content_words(english))


def in_own_words(need: str, as_written: str) -> str:
    """Add to a need the client's own Cyrillic words that named it.

    The lexicon reads "терапевт" as "gp", which an English catalog knows; a catalog written in
    Russian ("Приём терапевта") is found by the word as written, which the knowledge index
    matches across languages. Words the lexicon read as days, times or filler are left out.
    """
    said = content_words(need)
    own = [
        word
        for word in words(as_written)
        if _CYRILLIC_WORD.match(word) and word not in said and _read_as_a_need(word)
    ]
    # With words of its own, the need is its naming words only: a whole sentence in two
    # languages pulls the multilingual reading towards whatever it mentions besides.
    return " ".join([*said, *own]) if own else need
