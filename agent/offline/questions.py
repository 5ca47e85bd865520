"""Answer questions from knowledge-base hits: which hit answers, and what to ask the index."""

from __future__ import annotations

import re
from typing import Any

from agent.offline.matching import rank_matches
from agent.offline.searches import content_words, spelled_out
from agent.offline.text import fold, words

# Cosine similarities: a knowledge entry on the question's topic may score low when the
# question is short ("what should I bring?"); any other hit must be clearly on point.
TOPIC_MATCH = 0.15
ANY_MATCH = 0.3
# How much better a knowledge entry must fit a price question than every service to answer it.
CLEARLY_BETTER = 0.15
# The score a service description needs for a message to count as a need for that service
# (the provider search's own threshold).
NEED_MATCH = 0.2

_PRICE = re.compile(r"\b(?:how\s+much|costs?|prices?|pricing|fees?|charged?|charges|expensive)\b")
# What a fee can be for besides a service: "a fee if I cancel the same morning?" asks a policy.
_POLICY_EVENT = re.compile(r"\b(?:cancel\w*|miss(?:ed|ing)?|no-?shows?|reschedul\w*|postpon\w*)\b")
_BRING = re.compile(r"\b(?:bring|take\s+along|have\s+with\s+me|documents?|papers?)\b")
_BOOKING_NOUNS = frozenset(
    {"appointment", "appointments", "appt", "visit", "visits", "session", "sessions", "booking",
     "bookings"}
)  # fmt: skip
# Words of a price question that name no service: "how much does it cost?"
_PRICE_WORDS = frozenset(
    {"much", "cost", "costs", "price", "prices", "pricing", "fee", "fees", "charge", "charged",
     "charges", "expensive", "pay", "what's", "whats", "that's", "thats", "it's", "its", "will",
     "usually", "normally", "roughly", "approximately", "currently"}
)  # fmt: skip


# What a question is about, said in the words the knowledge entries use: "what is the address?"
# alone lies as near the urgent-care notice as the directions in the embedding space.
_TOPICS = tuple(
    (re.compile(pattern), topic)
    for pattern, topic in (
        (
            r"\b(?:address|located|location|directions?|get\s+there|find\s+you|how\s+(?:do|can)"
            r"\s+i\s+get|where\s+(?:is|are|do|can|should|must)\b)",
            "address and directions",
        ),
        (r"\bpark(?:ing)?\b", "parking"),
        (r"\b(?:languages?|speaks?|english|german|russian|turkish)\b", "languages spoken"),
        (r"\b(?:opening\s+hours|open|close|closed)\b", "opening hours"),
        (r"\b(?:pay|payment|card|cash|invoice|bill)\b", "payment"),
        (r"\b(?:wheelchair|accessible|step-free|lift|elevator|stairs)\b", "accessibility"),
    )
)


_PLACE_TOPICS = frozenset({"address and directions", "parking", "accessibility"})


def asks_about_a_place(question: str) -> bool:
    """Tell whether a question asks where something is, how to get there or park there."""
    folded = fold(question)
    return any(pattern.search(folded) and topic in _PLACE_TOPICS for pattern, topic in _TOPICS)


def asks_price(question: str) -> bool:
    return _PRICE.search(fold(question)) is not None


def asks_what_to_bring(question: str) -> bool:
    return _BRING.search(fold(question)) is not None


def knowledge_query(question: str, context_service: str | None) -> str:
    """Return what to search for: a price question about 'it' is about the service at hand.

    A price question that names something is searched by that name alone: the index returns
    only a few hits, and "price" and "appointment" pull the cancellation and payment policies
    ahead of the service the client named ("the price of a cardiology appointment").
    """
    if not asks_price(question):
        topic = next((name for pattern, name in _TOPICS if pattern.search(fold(question))), None)
        return f"{question} ({topic})" if topic else question
    named = set(_named_words(question))
    if named:
        # The booking noun stays: "missed appointments" finds the policy, "missed" alone not.
        kept = named | _BOOKING_NOUNS
        return spelled_out(" ".join(word for word in words(question) if word in kept))
    if context_service:
        return f"{question} ({context_service})"
    return question


# Words for any appointment: "how much is the consultation?" names the one under discussion.
_ANY_SERVICE = frozenset(
    {"consultation", "consultations", "consult", "session", "sessions", "treatment", "service",
     "one", "meeting", "exam", "examination"}
)  # fmt: skip


def _named_words(question: str) -> list[str]:
    return [
        word
        for word in content_words(question)
        if word not in _PRICE_WORDS and word not in _ANY_SERVICE
    ]


def pick_answer(
    question: str, hits: list[dict[str, Any]], *, about: str | None = None
) -> list[dict[str, Any]]:
    """Return the hits that answer the question, best first; none when nothing does.

    Prices live in the service descriptions, everything else (policies, documents, directions)
    in the knowledge entries, so the question's topic decides which kind of hit counts. A price
    question that names no service ("how much is the consultation?") is about the service under
    discussion, `about`, when the search found it.
    """
    if not hits:
        return []
    if asks_price(question):
        policies = [h for h in hits if h["kind"] == "knowledge" and h["score"] >= TOPIC_MATCH]
        if policies and _POLICY_EVENT.search(fold(question)):
            return policies[:1]  # the fee for cancelling or missing is the policy's
        services = [hit for hit in hits if hit["kind"] == "service"]
        discussed = [hit for hit in services if about and fold(hit["title"]) == fold(about)]
        if discussed and not _named_words(question):
            return discussed[:1]
        top = hits[0]
        # A fee the practice's rules set ("a late cancellation fee for physio?") is a policy's,
        # when the policy fits the question clearly better than any service.
        policy_fee = top["kind"] == "knowledge" and top["score"] >= TOPIC_MATCH
        if policy_fee and (not services or top["score"] - services[0]["score"] >= CLEARLY_BETTER):
            return [top]
        # Only the naming words: "what's the price of" would drown a one-word "cardiology".
        naming = " ".join(_named_words(question)) or question
        named = rank_matches(naming, {hit["id"]: [hit["title"]] for hit in services}, limit=1)
        if named:
            return [hit for hit in services if hit["id"] == named[0][0]]
        if _named_words(question) and hits[0]["kind"] == "knowledge":
            # It names no service the search found: a fee is asked about ("is there a fee if I
            # cancel late?"), which a policy answers.
            return [hits[0]] if hits[0]["score"] >= TOPIC_MATCH else []
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
