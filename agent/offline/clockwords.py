"""Clock times said in words, in any lexicon's language: "halb drei", "полтретьего", "um drei".

Each lexicon's `clock` section lists its hour words, its offsets (minutes from the hour word
that follows: German "halb drei" is half an hour before three, 2:30; Russian "без четверти
три" is 2:45) and the words after which an hour word alone is a time ("um drei", "в три").
Russian writes the offset and the hour as one word ("полтретьего"); a word that starts with an
offset and ends in an hour word is read the same way. The result is a written clock time the
English readers know ("2:30", "at 3"); how such a time lands in the day is theirs to decide.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from agent.offline.text import fold

_TOKEN = re.compile(r"[^\W_]+|[\W_]+")
_WORD = re.compile(r"[^\W_]")


@dataclass(frozen=True)
class ClockWords:
    # Folded hour word -> hour (1-12).
    hours: dict[str, int]
    # Folded offset phrase -> minutes from the hour word that follows it.
    offsets: dict[tuple[str, ...], int]
    # Folded words after which an hour word alone is a time.
    cues: frozenset[str]

    def merged(self, other: ClockWords) -> ClockWords:
        """Return both languages' words together (first one wins a shared word)."""
        return ClockWords(
            hours={**other.hours, **self.hours},
            offsets={**other.offsets, **self.offsets},
            cues=self.cues | other.cues,
        )


NO_CLOCK_WORDS = ClockWords(hours={}, offsets={}, cues=frozenset())


def clock_words(data: dict[str, Any] | None) -> ClockWords:
    """Read a lexicon's `clock` section."""
    if not data:
        return NO_CLOCK_WORDS
    hours: dict[str, int] = data.get("hours") or {}
    offsets: dict[str, int] = data.get("offsets") or {}
    cues: list[str] = data.get("cues") or []
    return ClockWords(
        hours={fold(str(word)): int(hour) for word, hour in hours.items()},
        offsets={tuple(fold(str(said)).split()): int(minutes) for said, minutes in offsets.items()},
        cues=frozenset(fold(str(cue)) for cue in cues),
    )


def write_clock_words(text: str, known: ClockWords) -> str:
    """Write clock times said in words as digits; leave every other word as it was."""
    if not known.hours:
        return text
    tokens = _TOKEN.findall(text)
    words = [(index, fold(token)) for index, token in enumerate(tokens) if _WORD.match(token)]
    replace: dict[int, tuple[int, str]] = {}  # first token index -> (last index, time)
    position = 0
    while position < len(words):
        found = _time_at(words, position, known)
        if found is None:
            position += 1
            continue
        used, written = found
        replace[words[position][0]] = (words[position + used - 1][0], written)
        position += used
    out: list[str] = []
    index = 0
    while index < len(tokens):
        if index in replace:
            last, written = replace[index]
            out.append(written)
            index = last + 1
        else:
            out.append(tokens[index])
            index += 1
    return "".join(out)


def _time_at(words: list[tuple[int, str]], at: int, known: ClockWords) -> tuple[int, str] | None:
    """Read a clock time starting at this word: how many words it takes and the time."""
    said = [word for _, word in words[at : at + 3]]
    for length in (2, 1):
        minutes = known.offsets.get(tuple(said[:length]))
        if minutes is not None and len(said) > length and said[length] in known.hours:
            return length + 1, _written(known.hours[said[length]], minutes)
    for offset, minutes in known.offsets.items():
        joined = said[0]
        if len(offset) == 1 and joined.startswith(offset[0]) and joined != offset[0]:
            hour = known.hours.get(joined[len(offset[0]) :])
            if hour is not None:
                return 1, _written(hour, minutes)
    if said[0] in known.cues and len(said) > 1 and said[1] in known.hours:
        return 2, f"at {known.hours[said[1]]}"
    return None


def _written(hour: int, minutes: int) -> str:
    total = (hour * 60 + minutes) % (12 * 60)
    whole, rest = divmod(total, 60)
    return f"{whole or 12}:{rest:02d}"
