"""Jinja2 prompt and reply templates; `render(name, **context)` fills one."""

from __future__ import annotations

from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined


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
    environment.filters["on"] = on_day
    return environment


def on_day(when: str) -> str:
    """Put 'on' before a day as a client reads it: 'on Thu 5 Mar, 08:00', not 'on tomorrow'."""
    return when if when.startswith(("today", "tomorrow")) else f"on {when}"


def render(name: str, /, **context: Any) -> str:
    """Render the template `templates/<name>.j2` and strip surrounding blank lines."""
    return _environment().get_template(f"{name}.j2").render(**context).strip()
