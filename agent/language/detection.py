"""Recognise which of the service's languages a client's message is written in, offline.

lingua-language-detector, restricted to English, German and Russian: on one- to five-word
messages it was right more often than py3langid (which takes "ok" for German), and it gives
a confidence per language, which tells a name or a lone "ok" from a sentence. Measured on
evals/languages/detection.yaml by `python -m bench language_detection`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from lingua import Language, LanguageDetector, LanguageDetectorBuilder

from domain.conversations.language import Heard

# What a time button says for the client: a start as tools write it, then the provider.
OFFERED_TIME = re.compile(
    r"^\s*(?:today|tomorrow|(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d{1,2} \w{3}(?: \d{4})?),"
    r" \d{2}:\d{2}\b"
)
LINGUA_CODES = {Language.ENGLISH: "en", Language.GERMAN: "de", Language.RUSSIAN: "ru"}
WORD = re.compile(r"[^\W\d_]{2,}")
CYRILLIC = re.compile(r"[\u0400-\u04ff]")
# Below this a message is a name, a greeting or "ok": it keeps the conversation's language.
STARTING_CONFIDENCE = 0.7
# To switch a conversation under way, the message must be a sentence and clearly another language.
SWITCHING_CONFIDENCE = 0.9
SWITCHING_WORDS = 3


@dataclass(frozen=True)
class Detected:
    language: str | None
    confidence: float
    words: int


@cache
def _detector() -> LanguageDetector:
    return LanguageDetectorBuilder.from_languages(*LINGUA_CODES).build()


def detect_language(text: str) -> Detected:
    """Return the language a message is most likely in, how sure, and how many words it has."""
    words = len(WORD.findall(text))
    if words == 0:
        return Detected(None, 0.0, 0)
    letters = [c for c in text if c.isalpha()]
    cyrillic = sum(1 for c in letters if CYRILLIC.match(c))
    # Of the three, only Russian is written in Cyrillic: the script alone decides, even when
    # Latin names of people and services stand among the words (a third of the letters).
    if cyrillic * 3 >= len(letters):
        return Detected("ru", 1.0, words)
    values = _detector().compute_language_confidence_values(text)
    best = max(values, key=lambda value: value.value)
    return Detected(LINGUA_CODES[best.language], best.value, words)


def written_in(text: str) -> str | None:
    """Return the language a text is clearly written in; None for a name, a time, "ok"."""
    return _written_in(detect_language(text))


def _written_in(detected: Detected) -> str | None:
    if detected.language == "ru":
        return "ru"
    # One word is a name, a yes or a greeting far more often than a choice of language.
    if detected.words < 2 or detected.confidence < STARTING_CONFIDENCE:
        return None
    return detected.language


def hear(text: str) -> Heard:
    """Tell what a client's message says of their language: written in, or asked for."""
    if OFFERED_TIME.match(text):
        return Heard()  # a time button's words ("Tue 3 Mar, 09:00 with …"), not the client's
    detected = detect_language(text)
    language = _written_in(detected)
    decisive = language == "ru" or (
        detected.words >= SWITCHING_WORDS and detected.confidence >= SWITCHING_CONFIDENCE
    )
    return Heard(
        language=language,
        decisive=decisive and language is not None,
        asked_for=asked_language(text),
    )


LANGUAGE_WORDS = {
    "en": r"english|englisch|англ\w*",
    "de": r"german|deutsch|немец\w*",
    "ru": r"russian|russisch|русск\w*|по-?русски",
}
# "in English", "auf Deutsch", "speak German", "по-русски", "на русском", "Deutsch bitte":
# a language named as the one to talk in, not a nationality ("I'm German", "Ich bin Deutsche").
ASKING = (
    r"\b(?:in|auf|speak|speaks|sprechen\s+sie|sprichst\s+du|answer\s+in|reply\s+in)\s+({words})\b",
    r"\b({words})\s*(?:,\s*)?(?:please|bitte|пожалуйста|only)\b",
    r"(?:^|\s)(?:на|по)[\s-]+({words})",
    r"(?:говорите|говоришь|отвечайте|пишите|можно)\s+(?:\S+\s+)?({words})",
    r"^\s*({words})\s*[?!.]?\s*$",
)


def asked_language(text: str) -> str | None:
    """Return the language a message asks the conversation to switch to, if it asks."""
    lowered = text.lower()
    for language, words in LANGUAGE_WORDS.items():
        for pattern in ASKING:
            if re.search(pattern.format(words=words), lowered):
                return language
    return None
