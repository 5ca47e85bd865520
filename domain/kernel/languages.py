"""The languages the service speaks, and how a translated text falls back to its original."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

# English first: the language of the original texts and of every fallback.
SUPPORTED: tuple[str, ...] = ("en", "de", "ru")
DEFAULT = "en"
LanguageCode = Literal["en", "de", "ru"]
NAMES = {"en": "English", "de": "German", "ru": "Russian"}


def supported(language: str | None) -> str | None:
    """Return the language code if the service speaks it ('de-AT' → 'de'), else None."""
    if not language:
        return None
    code = language.strip().lower().replace("_", "-").split("-")[0]
    return code if code in SUPPORTED else None


def offered(language: str | None, languages: Sequence[str]) -> str | None:
    """Return the language if the service speaks it and the practice offers it, else None."""
    code = supported(language)
    return code if code is not None and code in languages else None


def translated(
    original: str, translations: Mapping[str, Mapping[str, str]], language: str, field: str
) -> str:
    """Return a field in the language when a translation of it exists, else the original."""
    return (translations.get(language) or {}).get(field) or original


def accepted_languages(header: str | None) -> list[str]:
    """Return the languages of an Accept-Language header, most preferred first."""
    weighted: list[tuple[float, int, str]] = []
    for position, part in enumerate((header or "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag and tag != "*" and quality > 0:
            weighted.append((-quality, position, tag))
    return [tag for _, _, tag in sorted(weighted)]
