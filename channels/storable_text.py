"""Text every database can store: no NUL character and no half of a surrogate pair.

JSON may escape either ("\\u0000", a lone "\\ud83d"): Python decodes them into strings that
PostgreSQL refuses (NUL), SQLite cuts (NUL), and no UTF-8 encoder writes (a lone surrogate),
so they fail a turn long after the door. A surrogate still in a decoded string is alone: a
whole pair decodes to the one character it stands for.
"""

from __future__ import annotations

import re
from typing import Any

UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
REPLACEMENT = "\ufffd"  # what UTF-8 decoders put in place of what they cannot read
NOT_TEXT = "characters that are not valid text (a NUL, or half of an emoji)"


def is_storable(text: str) -> bool:
    return UNSTORABLE.search(text) is None


def storable(text: str) -> str:
    """`text` with each NUL and lone surrogate replaced by U+FFFD."""
    return UNSTORABLE.sub(REPLACEMENT, text)


def storable_json(value: Any) -> Any:
    """Decoded JSON with every string in it (keys too) made storable."""
    if isinstance(value, str):
        return storable(value)
    if isinstance(value, list):
        return [storable_json(item) for item in value]
    if isinstance(value, dict):
        return {storable_json(key): storable_json(item) for key, item in value.items()}
    return value


def all_storable(value: Any) -> bool:
    """Whether every string in decoded JSON (keys too) is storable as it is."""
    same: bool = storable_json(value) == value
    return same
