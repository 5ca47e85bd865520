"""Match what a client calls a provider or service against the catalog, forgiving typos."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from rapidfuzz import fuzz

from agent.offline.text import is_typo_of, words

_TITLES = frozenset({"dr", "doctor", "doc", "prof", "professor", "mr", "mrs", "ms"})
_FILLER = frozenset(
    {"a", "an", "the", "i", "i'd", "id", "i'm", "can", "could", "would", "see", "on", "to", "with",
     "want", "need", "like", "please", "is", "for", "me", "my", "at", "in", "and", "or", "of",
     "about", "from", "get", "make", "have", "some", "someone", "hello", "hi", "book",
     "appointment", "visit", "any", "you", "next", "this", "week", "today", "tomorrow", "morning",
     "afternoon", "evening", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
     "sunday"}
)  # fmt: skip


def name_tokens(text: str) -> list[str]:
    """Fold a name into comparable words: no case, accents, punctuation, titles or filler."""
    tokens = [re.sub(r"olog(?:ist|ists|ical)$", "ology", token) for token in words(text)]
    return [token for token in tokens if token not in _TITLES and token not in _FILLER]


def _similarity(query: list[str], name: list[str]) -> float:
    """Score the whole strings, or how well each asked word matches some word of the name."""
    whole = " ".join(query)
    overall = fuzz.WRatio(whole, " ".join(name)) if len(whole) >= 3 else 0.0
    per_word = [
        max(
            (100.0 if asked == known else fuzz.ratio(asked, known) if len(asked) >= 3 else 0.0)
            for known in name
        )
        for asked in query
    ]
    return max(overall, sum(per_word) / len(per_word))


def rank_matches(
    query: str,
    candidates: Mapping[str, Sequence[str]],
    *,
    limit: int = 5,
    cutoff: float = 60,
) -> list[tuple[str, float]]:
    """Rank candidate ids by how well their best name or alias matches the query, best first."""
    asked = name_tokens(query)
    if not asked:
        return []
    ranked: list[tuple[str, float]] = []
    for candidate_id, names in candidates.items():
        known = [tokens for name in names if (tokens := name_tokens(name))]
        best = round(max((_similarity(asked, tokens) for tokens in known), default=0.0), 1)
        if best >= cutoff:
            ranked.append((candidate_id, best))
    ranked.sort(key=lambda item: (-item[1], item[0]))
    return ranked[:limit]


def word_matches(
    text: str, candidates: Mapping[str, Sequence[str]], *, cutoff: float = 90
) -> list[tuple[str, float]]:
    """Rank candidate ids by the best match of any one longer word of a sentence to their names.

    For a whole request ("cancel the dermatology one"), where most words name nothing.
    """
    asked = [token for token in name_tokens(text) if len(token) >= 4]
    ranked: list[tuple[str, float]] = []
    for candidate_id, names in candidates.items():
        known = [token for name in names for token in name_tokens(name)]
        scores = [fuzz.ratio(word, name) for word in asked for name in known]
        best = round(max(scores, default=0.0), 1)
        # One typo in a longer name ("yilmas") scores below the cutoff but is still the name.
        if best >= cutoff or any(is_typo_of(word, known) for word in asked):
            ranked.append((candidate_id, best))
    ranked.sort(key=lambda item: (-item[1], item[0]))
    return ranked
