"""Transcript entries as text messages: plain text, numbered choices, one-line summaries.

A message stays within a few segments (each one is billed): the prose is cut at a word
boundary when it must be, the choices, the booking line and form links are kept whole.
"""

from __future__ import annotations

import re
from typing import Any

from channels.sms.wording import phrase
from domain.booking.references import booking_reference
from domain.notifications.rendering import sms_size

MAX_SEGMENTS = 3
ELLIPSIS = "..."  # "…" is not in the GSM-7 alphabet: one would make the whole text UCS-2
# Typography the agent writes that has a plain GSM-7 twin; anything else non-GSM stays as it is
# (a name with "ł", an emoji) and the message is counted, and cut, as UCS-2.
_PLAIN = str.maketrans(
    {
        "·": "-",
        "•": "-",
        "\u2013": "-",  # en dash
        "—": "-",
        "\u2018": "'",  # left single quote
        "\u2019": "'",  # right single quote
        "“": '"',
        "”": '"',
        "…": ELLIPSIS,
        "\u00a0": " ",
        "\u202f": " ",
    }
)
LISTED = re.compile(r"^\s*\d+[.)]\s")
_STATUSES = frozenset({"confirmed", "cancelled"})


def plain(text: str) -> str:
    """Replace typography that has a GSM-7 twin, so the message is not billed as UCS-2."""
    return text.translate(_PLAIN)


def choices(count: int, language: str | None = None) -> str:
    """ "Reply 1, 2 or 3." for three choices (in the client's language)."""
    numbers = [str(n) for n in range(1, count + 1)]
    if count == 1:
        return phrase(language, "reply_one")
    return phrase(language, "reply_many", first=", ".join(numbers[:-1]), last=numbers[-1])


def entry_text(entry: dict[str, Any], *, public_url: str | None) -> str:
    """An entry (as `presenting.entry_json` shapes it) as one text message of at most 3 segments."""
    prose = plain(entry.get("text") or "").strip()
    language = entry.get("language")
    kept: list[str] = []
    card = entry.get("card")
    buttons = entry.get("buttons") or []
    if buttons:
        # The numbered choices below replace a list the reply spells out itself.
        prose = "\n".join(line for line in prose.splitlines() if not LISTED.match(line)).strip()
    if card:
        prose = ""  # the booking line says what the reply says, in one line
        kept.append(_booking_line(card, language))
        kept += _form_lines(card.get("forms") or [], public_url, language)
    documents = entry.get("documents") or []
    if documents:
        kept.append(_documents_line(documents, language))
    if buttons:
        labels = [plain(str(b["label"])) for b in buttons]
        if sms_size("\n".join([*kept, *labels])).segments > MAX_SEGMENTS:
            labels = _without_common_provider(labels)
        kept += [f"{n}) {label}" for n, label in enumerate(labels, start=1)]
        kept.append(choices(len(buttons), language))
    return fit(prose, kept)


def _without_common_provider(labels: list[str]) -> list[str]:
    """Drop the provider from choices that all name the same one: the reply already names them.

    Only when they would not fit otherwise: a time in Cyrillic is billed as UCS-2 (67
    characters a segment, not 153), and six choices each repeating the provider do not fit.
    """
    providers = {label.rpartition(" - ")[2] for label in labels}
    if len(labels) < 2 or len(providers) != 1 or not all(" - " in label for label in labels):
        return labels
    return [label.rpartition(" - ")[0] for label in labels]


def fit(prose: str, kept: list[str], *, max_segments: int = MAX_SEGMENTS) -> str:
    """Join prose and the kept lines; cut the prose at a word boundary until it all fits."""
    prose, kept = plain(prose), [plain(line) for line in kept]
    whole = "\n".join([prose, *kept] if prose else kept)
    if sms_size(whole).segments <= max_segments:
        return whole
    tail = "\n".join(kept)
    if sms_size(tail).segments > max_segments:
        # Even the lines we would keep are too long: cut the whole text instead.
        return _cut(whole, "", max_segments)
    return _cut(prose, "\n" + tail if tail else "", max_segments)


def _cut(text: str, tail: str, max_segments: int) -> str:
    """The longest word-boundary prefix of `text`, marked as cut, that fits before `tail`."""
    boundaries = [m.start() for m in re.finditer(r"\s", text)]
    low, high, best = 0, len(boundaries) - 1, ""
    while low <= high:  # a longer prefix never costs fewer segments: search it
        middle = (low + high) // 2
        candidate = text[: boundaries[middle]].rstrip() + ELLIPSIS
        if sms_size(candidate + tail).segments <= max_segments:
            best, low = candidate, middle + 1
        else:
            high = middle - 1
    return (best + tail).strip()


def _booking_line(card: dict[str, Any], language: str | None) -> str:
    status = str(card.get("status") or "")
    word = phrase(language, status) if status in _STATUSES else status.capitalize()
    return plain(
        phrase(
            language,
            "booking",
            status=word,
            service=str(card["service"]),
            provider=str(card["provider"]),
            when=str(card["when"]),
            ref=booking_reference(str(card["booking_id"])),
        )
    )


def _form_lines(
    forms: list[dict[str, Any]], public_url: str | None, language: str | None
) -> list[str]:
    if not forms:
        return []
    if public_url is None:
        # A path alone opens nothing on a phone: without a public address, say where they are.
        return [phrase(language, "forms_ask")]
    return [phrase(language, "form", url=f"{public_url}{form['url']}") for form in forms]


def _documents_line(documents: list[dict[str, Any]], language: str | None) -> str:
    names = ", ".join(plain(str(d["name"])) for d in documents)
    return phrase(language, "documents", names=names)
