"""Jinja2 prompt and reply templates; `render(name, **context)` fills one.

A template may have variants per language beside it (`offline/de/booked.j2` for
`offline/booked.j2`); where a language has none, the English one is used.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, pass_context
from jinja2.runtime import Context

from prompts.localising import localised_price, localised_when, on_localised_day
from prompts.notices import localised_note

ENGLISH = "en"


@cache
def _environment() -> Environment:
    # Plain text for models and chat, not HTML: nothing to escape, but nothing may be missing.
    environment = Environment(  # noqa: S701
        loader=PackageLoader("prompts", "templates"),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    environment.filters["on"] = _on
    environment.filters["when"] = _when
    environment.filters["price"] = _price
    environment.filters["note"] = _note
    return environment


def on_day(when: str) -> str:
    """Put 'on' before a day as a client reads it: 'on Thu 5 Mar, 08:00', not 'on tomorrow'."""
    return when if when.startswith(("today", "tomorrow")) else f"on {when}"


@pass_context
def _on(context: Context, when: str) -> str:
    language = context.get("language", ENGLISH)
    return on_day(when) if language == ENGLISH else on_localised_day(when, language)


@pass_context
def _when(context: Context, when: str) -> str:
    return localised_when(when, context.get("language", ENGLISH))


@pass_context
def _price(context: Context, price: object, currency: str) -> str:
    return localised_price(price, currency, context.get("language", ENGLISH))


@pass_context
def _note(context: Context, text: str | None) -> str:
    return localised_note(text, context.get("language", ENGLISH))


def variant_name(name: str, language: str) -> str:
    """Return where the language's variant of a template lives: offline/de/booked.j2."""
    folder, _, base = name.rpartition("/")
    return f"{folder}/{language}/{base}.j2" if folder else f"{language}/{base}.j2"


def render(name: str, /, *, language: str = ENGLISH, **context: Any) -> str:
    """Render `templates/<name>.j2` in the language (English where it has no variant)."""
    environment = _environment()
    candidates = [f"{name}.j2"]
    if language != ENGLISH:
        candidates.insert(0, variant_name(name, language))
    template = environment.select_template(candidates)
    return template.render(language=language, **context).strip()
