"""The knowledge index: entries in one chromadb collection, searched by meaning."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from types import TracebackType
from typing import Self, cast
from urllib.parse import urlsplit

import chromadb
import numpy as np
from chromadb.api import ClientAPI
from chromadb.api.client import Client
from chromadb.api.types import Embeddable, EmbeddingFunction
from chromadb.config import Settings

from domain.kernel.private_files import private_dir
from knowledge.embeddings import MiniLMEmbedder
from knowledge.entries import KINDS, Entry, Kind, document_id
from knowledge.meanings import beyond_english, multilingual_meanings

COLLECTION = "frontdesk-knowledge"
# e5 similarities crowd together (0.78-0.95), higher for short texts and queries alike, so an
# entry counts by how far it stands above the middle of all entries for this query. Greetings
# and filler stand up to 0.04 above it, needs from 0.05 (measured on two Russian catalogs);
# 0.045 above is 0.2 on MiniLM's cosine scale, where tools/search.py takes a need as fitting.
E5_NOISE = 0.02
E5_SCALE = 8.0


@dataclass(frozen=True)
class Hit:
    """A found entry; score is the cosine similarity clipped to [0, 1], higher is closer."""

    kind: Kind
    id: str
    title: str
    text: str
    score: float


class KnowledgeIndex:
    """Knowledge entries and service descriptions in one collection, in cosine space."""

    def __init__(
        self, client: ClientAPI, embedder: MiniLMEmbedder, *, collection: str = COLLECTION
    ) -> None:
        self._client = client
        self._embedder = embedder
        # chromadb types the parameter as a function of any Embeddable (invariant), which no
        # text-only function is; it only ever hands ours documents.
        function = cast("EmbeddingFunction[Embeddable]", embedder)
        self._collection = client.get_or_create_collection(
            collection, embedding_function=function, configuration={"hnsw": {"space": "cosine"}}
        )

    @classmethod
    def open(cls, path: Path, embedder: MiniLMEmbedder) -> KnowledgeIndex:
        """Open the index stored under path, creating it when missing."""
        private_dir(path)  # chromadb's files are readable by all; the directory is not
        client = chromadb.PersistentClient(path=path, settings=Settings(anonymized_telemetry=False))
        return cls(client, embedder)

    @classmethod
    def connect(cls, url: str, embedder: MiniLMEmbedder) -> KnowledgeIndex:
        """Use the collection on a chroma server (shared by several app processes).

        The embeddings are still ours, computed here: the server only stores and searches.
        """
        parsed = urlsplit(url)
        client = chromadb.HttpClient(
            host=parsed.hostname or "localhost",
            port=parsed.port or (443 if parsed.scheme == "https" else 8000),
            ssl=parsed.scheme == "https",
            settings=Settings(anonymized_telemetry=False),
        )
        return cls(client, embedder)

    def reindex(self, entries: Iterable[Entry]) -> None:
        """Make the index hold exactly these entries."""
        entries = list(entries)
        # Upsert first and delete the rest after, so a search meanwhile never finds nothing.
        self._put(entries)
        wanted = {entry.document_id for entry in entries}
        stale = [id_ for id_ in self._collection.get(include=[])["ids"] if id_ not in wanted]
        if stale:
            self._collection.delete(ids=stale)

    def upsert(self, entry: Entry) -> None:
        """Add an entry or replace the one with its kind and id."""
        self._put([entry])

    def remove(self, kind: Kind, entry_id: str) -> None:
        """Remove an entry; removing a missing one does nothing."""
        self._collection.delete(ids=[document_id(kind, entry_id)])

    def count(self) -> int:
        return self._collection.count()

    def search(self, query: str, k: int = 3, kind: Kind | None = None) -> list[Hit]:
        """Return up to k entries closest in meaning to query, best first."""
        if k < 1 or not query.strip():
            return []
        result = self._collection.query(
            query_texts=[query],
            n_results=k,
            where={"kind": kind} if kind is not None else None,
            include=["metadatas", "documents", "distances"],
        )
        metadatas = (result["metadatas"] or [[]])[0]
        documents = (result["documents"] or [[]])[0]
        distances = (result["distances"] or [[]])[0]
        hits = [
            _hit(metadata, document, distance)
            for metadata, document, distance in zip(metadatas, documents, distances, strict=True)
        ]
        if beyond_english(query) or any(beyond_english(f"{h.title} {h.text}") for h in hits):
            return self._across_languages(query, k, kind)
        return hits

    def _across_languages(self, query: str, k: int, kind: Kind | None) -> list[Hit]:
        """Rank by e5 alone: the query or the entries are in a script MiniLM reads as noise
        ("окулист", "Консультация офтальмолога"), where its similarities mean nothing."""
        stored = self._collection.get(
            where={"kind": kind} if kind is not None else None, include=["metadatas", "documents"]
        )
        found = [
            _hit(metadata, document, 1.0)
            for metadata, document in zip(
                stored["metadatas"] or [], stored["documents"] or [], strict=True
            )
        ]
        similarities = multilingual_meanings().similarities(
            query, [f"{hit.title}. {hit.text}" for hit in found]
        )
        middle = float(np.median(similarities)) if similarities else 0.0
        ranked = [
            replace(hit, score=min(1.0, max(0.0, (similarity - middle - E5_NOISE) * E5_SCALE)))
            for hit, similarity in zip(found, similarities, strict=True)
        ]
        return sorted(ranked, key=lambda hit: -hit.score)[:k]

    def close(self) -> None:
        """Release the client (and with the last client of a path, its files)."""
        if isinstance(self._client, Client):
            self._client.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _put(self, entries: Sequence[Entry]) -> None:
        size = self._client.get_max_batch_size()
        for start in range(0, len(entries), size):
            batch = entries[start : start + size]
            self._collection.upsert(
                ids=[entry.document_id for entry in batch],
                embeddings=self._embedder([entry.searchable for entry in batch]),
                documents=[entry.text for entry in batch],
                metadatas=[
                    {"kind": entry.kind, "entry_id": entry.id, "title": entry.title}
                    for entry in batch
                ],
            )


def _hit(metadata: Mapping[str, object] | None, document: str | None, distance: float) -> Hit:
    metadata = metadata or {}
    return Hit(
        kind=_kind(metadata.get("kind")),
        id=str(metadata.get("entry_id", "")),
        title=str(metadata.get("title", "")),
        text=document or "",
        score=min(1.0, max(0.0, 1.0 - distance)),
    )


def _kind(value: object) -> Kind:
    for kind in KINDS:
        if value == kind:
            return kind
    raise ValueError(f"the index holds an entry of unknown kind {value!r}")
