"""Answer questions from knowledge-base hits: which hit answers, and what to ask the index."""

from __future__ import annotations

import re
from typing import Any

from agent.offline.matching import rank_matches
from agent.offline.searches import content_words
from agent.offline.text import fold

# Cosine similarities: a knowledge entry on the question's topic may score low when the
# question is short ("what should I bring?"); any other hit must be clearly on point.
TOPIC_MATCH = 0.15
ANY_MATCH = 0.3
# The score a service description needs for a message to count as a need for that service
# (the provider search's own threshold).
NEED_MATCH = 0.2

_PRICE = re.compile(r"\b(?:how\s+much|costs?|prices?|pricing|fees?|charged?|charges|expensive)\b")
_BRING = re.compile(r"\b(?:bring|take\s+along|have\s+with\s+me|documents?|papers?)\b")
# Words of a price question that name no service: "how much does it cost?"
_PRICE_WORDS = frozenset(
    {"much", "cost", "costs", "price", "prices", "pricing", "fee", "fees", "charge", "charged",
     "charges", "expensive", "pay", "what's", "whats", "that's", "thats", "it's", "its", "will"}
)  # fmt: skip


def asks_price(question: str) -> bool:
    return _PRICE.search(fold(question)) is not None


def asks_what_to_bring(question: str) -> bool:
    return _BRING.search(fold(question)) is not None


def knowledge_query(question: str, context_service: str | None) -> str:
    """Return what to search for: a price question about 'it' is about the service at hand."""
    if context_service and asks_price(question) and not _names_a_service(question):
        return f"{question} ({context_service})"
    return question


def _names_a_service(question: str) -> bool:
    return bool(set(content_words(question)) - _PRICE_WORDS)


def pick_answer(question: str, hits: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Return the hits that answer the question, best first; none when nothing does.

    Prices live in the service descriptions, everything else (policies, documents, directions)
    in the knowledge entries, so the question's topic decides which kind of hit counts.
    """
    if not hits:
        return []
    if asks_price(question):
        services = [hit for hit in hits if hit["kind"] == "service"]
        named = rank_matches(question, {hit["id"]: [hit["title"]] for hit in services}, limit=1)
        if named:
            return [hit for hit in services if hit["id"] == named[0][0]]
        if services and services[0]["score"] >= ANY_MATCH:
            return [services[0]]
        # A price question about nothing in particular: every price found.
        return [hit for hit in services if hit["score"] >= TOPIC_MATCH]
    on_topic = [hit for hit in hits if hit["kind"] == "knowledge" and hit["score"] >= TOPIC_MATCH]
    if on_topic:
        return on_topic[:1]
    return [hit for hit in hits[:1] if hit["score"] >= ANY_MATCH]


def service_need(hits: list[dict[str, Any]], *, booking: bool = False) -> dict[str, Any] | None:
    """Return the service a message describes a need for, if the best hit is one.

    A client who asked to book only needs some service to fit: a knowledge entry that mentions
    the same words ("same-day doctor visits are often free") must not hide it. Anything else
    must fit a service better than every knowledge entry, or it is a question.
    """
    candidates = [hit for hit in hits if hit["kind"] == "service"] if booking else hits[:1]
    best = candidates[0] if candidates else None
    if best is not None and best["kind"] == "service" and best["score"] >= NEED_MATCH:
        return best
    return None
