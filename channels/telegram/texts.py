"""What a transcript entry reads like in Telegram: escaped HTML, a booking card in a few lines."""

from __future__ import annotations

from html import escape
from typing import Any

MAX_MESSAGE = 4096  # Telegram's limit, in characters, after entities are parsed
TRIMMED = "…"


def entry_html(entry: dict[str, Any]) -> str:
    """The entry's text (with who said it, for a person), its card and documents asked for."""
    parts = [escape(entry.get("text") or "")]
    if entry.get("author") == "staff" and entry.get("name"):
        parts[0] = f"<b>{escape(entry['name'])}</b>: {parts[0]}"
    card = entry.get("card")
    if card:
        parts.append(card_html(card))
    documents = entry.get("documents") or []
    if documents:
        parts.append(requested_html(documents))
    text = "\n\n".join(p for p in parts if p)
    return text if len(text) <= MAX_MESSAGE else _trimmed(text)


def card_html(card: dict[str, Any]) -> str:
    status = str(card.get("status") or "").replace("_", " ")
    lines = [
        f"<b>Booking {escape(status)}</b>",
        f"{escape(str(card.get('service', '')))} · {escape(str(card.get('provider', '')))}",
        escape(str(card.get("when", ""))),
        escape(str(card.get("location", ""))),
        escape(str(card.get("price", ""))),
    ]
    return "\n".join(line for line in lines if line.strip())


def requested_html(documents: list[dict[str, Any]]) -> str:
    wanted = [d for d in documents if d.get("status") != "received"]
    if not wanted:
        return ""
    names = ", ".join(escape(str(d.get("name", ""))) for d in wanted)
    return f"📎 Please send {names} here as a photo or a file (PDF, image or Word)."


def _trimmed(text: str) -> str:
    # Cut between words: a tag or an entity (&amp;) holds no space, so none is cut in half.
    cut = text[: MAX_MESSAGE - len(TRIMMED)]
    return (cut[: cut.rfind(" ")] if " " in cut else cut) + TRIMMED
