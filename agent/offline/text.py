"""Normalise client text and find words in it, forgiving common typos."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from rapidfuzz import process
from rapidfuzz.distance import OSA

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u00b4": "'", "`": "'"})
# Latin and Cyrillic letters make words: a Russian name or need must survive to be matched.
_NON_WORD = re.compile(r"[^a-z0-9'\u0400-\u04ff]+")

# Real words one typo away from a vocabulary word; never "correct" them.
_NOT_TYPOS = frozenset({"cancer", "cancers", "counsel", "movie", "movies", "booker", "apartment"})

NUMBER_WORDS: dict[str, int] = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
}


def fold(text: str) -> str:
    """Lower-case the text, straighten apostrophes and drop accents."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_APOSTROPHES))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()


def words(text: str) -> list[str]:
    """Split the text into folded words, keeping apostrophes inside them."""
    return [word.strip("'") for word in _NON_WORD.split(fold(text)) if word.strip("'")]


def is_typo_of(word: str, vocabulary: Iterable[str]) -> bool:
    """Tell whether a word is a vocabulary word or a likely misspelling of one."""
    choices = [entry for entry in vocabulary if len(entry) >= 5]
    if len(word) < 5 or word in _NOT_TYPOS:
        return False
    limit = 1 if len(word) < 8 else 2
    found = process.extractOne(word, choices, scorer=OSA.distance, score_cutoff=limit)
    return found is not None


def has_word(tokens: Iterable[str], vocabulary: Iterable[str]) -> bool:
    """Tell whether any token is in the vocabulary, allowing one typo in longer words."""
    known = frozenset(vocabulary)
    return any(token in known or is_typo_of(token, known) for token in tokens)


def has_phrase(text: str, pattern: str) -> bool:
    """Search folded text for a regular expression bounded by word edges."""
    return re.search(rf"(?<![a-z0-9]){pattern}(?![a-z0-9])", fold(text)) is not None


# A sentence ends at . ! ? or a dash between clauses (an en or em dash: "10 - 11" is a range),
# but not inside "10.30", "Dr. Patel" or "Prof. Vogel".
_SENTENCE_END = re.compile(r"(?<=[!?])\s+|(?<=[a-z\u0400-\u04ff]{3}[.])\s+|\s+[\u2013\u2014]\s+")
_ABBREVIATIONS = frozenset({"prof.", "approx.", "etc.", "mrs.", "str.", "tel.", "nr.", "ave."})


def sentences(text: str) -> list[str]:
    """Split a message into its sentences, keeping each one's own words and punctuation."""
    parts: list[str] = []
    for part in (piece.strip() for piece in _SENTENCE_END.split(text)):
        if not part:
            continue
        if parts and parts[-1].split()[-1].lower() in _ABBREVIATIONS:
            parts[-1] = f"{parts[-1]} {part}"  # "Prof. Vogel" is one sentence
        else:
            parts.append(part)
    return parts


def asked_sentence(text: str) -> str:
    """Return the question a message asks: the last sentence with a question mark, or it all.

    "I have physio with Megan this afternoon. How do I get there?" asks the second sentence;
    the first only says what it is about.
    """
    asked = [sentence for sentence in sentences(text) if "?" in sentence]
    return asked[-1] if asked else text
