"""The knowledge index finds policies and services by meaning, with the real embedding model."""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

from domain.kernel.uow import UnitOfWork
from domain.models import Service
from domain.world.schema import WorldIn
from knowledge.embeddings import MiniLMEmbedder
from knowledge.entries import Entry, Kind, entries_from_database
from knowledge.index import KnowledgeIndex


@pytest.fixture
def entries(uow: UnitOfWork, sample_world: WorldIn) -> list[Entry]:
    return entries_from_database(uow)


@pytest.fixture
def index(
    tmp_path: Path, embedder: MiniLMEmbedder, entries: list[Entry]
) -> Iterator[KnowledgeIndex]:
    with KnowledgeIndex.open(tmp_path / "chroma", embedder) as index:
        index.reindex(entries)
        yield index


def top_id(index: KnowledgeIndex, query: str, kind: Kind | None = None) -> str:
    hits = index.search(query, kind=kind)
    assert hits, f"nothing found for {query!r}"
    return f"{hits[0].kind}:{hits[0].id}"


class TestReadingTheDatabase:
    def test_reads_every_knowledge_entry_and_service(self, entries: list[Entry]) -> None:
        assert [entry.document_id for entry in entries] == [
            "knowledge:cancel-policy",
            "knowledge:insurance",
            "knowledge:location",
            "service:derm-consult",
            "service:family-law-consult",
            "service:gp-visit",
            "service:notary-certification",
        ]

    def test_a_service_reads_as_its_name_description_and_price(self, entries: list[Entry]) -> None:
        derm = next(entry for entry in entries if entry.document_id == "service:derm-consult")
        assert derm.title == "Dermatology consultation"
        assert derm.text.startswith("Skin, hair and nail problems")
        assert derm.text.endswith("Price: 80.00 EUR.")

    def test_leaves_archived_services_out(self, uow: UnitOfWork, sample_world: WorldIn) -> None:
        with uow:
            service = uow.session.get(Service, "gp-visit")
            assert service is not None
            service.archived = True
            uow.commit()
        ids = [entry.document_id for entry in entries_from_database(uow)]
        assert "service:gp-visit" not in ids
        assert "service:derm-consult" in ids


class TestSearch:
    @pytest.mark.parametrize(
        ("query", "kind", "expected"),
        [
            (
                "How late can I cancel an appointment without paying?",
                None,
                "knowledge:cancel-policy",
            ),
            ("where is the law office", None, "knowledge:location"),
            ("my skin itches", "service", "service:derm-consult"),
            ("help with a divorce", None, "service:family-law-consult"),
            ("do you take health insurance", "knowledge", "knowledge:insurance"),
        ],
    )
    def test_finds_the_entry_that_answers(
        self, index: KnowledgeIndex, query: str, kind: Kind | None, expected: str
    ) -> None:
        assert top_id(index, query, kind) == expected

    def test_hits_come_best_first_with_scores_between_zero_and_one(
        self, index: KnowledgeIndex
    ) -> None:
        hits = index.search("can I cancel", k=10)
        assert len(hits) == 7
        scores = [hit.score for hit in hits]
        assert scores == sorted(scores, reverse=True)
        assert all(0.0 <= score <= 1.0 for score in scores)
        assert hits[0].title == "Cancellation policy"
        assert hits[0].text.startswith("Appointments can be cancelled")

    def test_a_kind_narrows_the_search(self, index: KnowledgeIndex) -> None:
        assert {hit.kind for hit in index.search("cancel", k=10, kind="service")} == {"service"}
        assert {hit.kind for hit in index.search("cancel", k=10, kind="knowledge")} == {"knowledge"}

    def test_k_limits_the_hits(self, index: KnowledgeIndex) -> None:
        assert len(index.search("appointment", k=2)) == 2
        assert index.search("appointment", k=0) == []
        assert index.search("   ") == []


class TestChanges:
    def test_reindex_replaces_the_old_text(
        self, index: KnowledgeIndex, entries: list[Entry]
    ) -> None:
        new_policy = "Appointments can be cancelled free of charge until noon the day before."
        changed = [
            Entry(kind="knowledge", id="cancel-policy", title=entry.title, text=new_policy)
            if entry.document_id == "knowledge:cancel-policy"
            else entry
            for entry in entries
        ]
        index.reindex(changed)
        hits = index.search("charged in full for missed appointments", k=10)
        assert [hit.text for hit in hits if hit.id == "cancel-policy"] == [new_policy]
        assert not any("charged in full" in hit.text for hit in hits)
        assert index.count() == len(entries)

    def test_reindex_drops_entries_it_is_not_given(
        self, index: KnowledgeIndex, entries: list[Entry]
    ) -> None:
        index.reindex([entry for entry in entries if entry.kind == "service"])
        assert index.count() == 4
        assert index.search("where is the law office", kind="knowledge") == []
        index.reindex([])
        assert index.count() == 0

    def test_upsert_adds_an_entry(self, index: KnowledgeIndex) -> None:
        parking = Entry(
            kind="knowledge",
            id="parking",
            title="Parking",
            text="Free parking for patients in the courtyard behind the building.",
        )
        index.upsert(parking)
        assert top_id(index, "where can I leave my car") == "knowledge:parking"
        assert index.count() == 8

    def test_remove_removes_an_entry(self, index: KnowledgeIndex) -> None:
        index.remove("service", "derm-consult")
        assert index.count() == 6
        assert "derm-consult" not in [hit.id for hit in index.search("my skin itches", k=10)]
        index.remove("service", "derm-consult")
        assert index.count() == 6

    def test_the_index_survives_reopening(
        self, tmp_path: Path, embedder: MiniLMEmbedder, entries: list[Entry]
    ) -> None:
        path = tmp_path / "reopened"
        with KnowledgeIndex.open(path, embedder) as first:
            first.reindex(entries)
        with KnowledgeIndex.open(path, embedder) as reopened:
            assert reopened.count() == len(entries)
            assert top_id(reopened, "help with a divorce") == "service:family-law-consult"


class TestEmbedder:
    def test_embeds_each_text_as_a_unit_vector(self, embedder: MiniLMEmbedder) -> None:
        vectors = embedder.embed(["book a dermatologist", "divorce lawyer"])
        assert [len(vector) for vector in vectors] == [384, 384]
        assert all(math.isclose(sum(x * x for x in v), 1.0, rel_tol=1e-4) for v in vectors)
        assert embedder.embed([]) == []

    def test_loads_the_model_only_when_first_used(self) -> None:
        assert not MiniLMEmbedder().loaded

    def test_chromadb_takes_it_as_a_current_function(
        self, tmp_path: Path, embedder: MiniLMEmbedder
    ) -> None:
        assert not embedder.is_legacy()
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            with KnowledgeIndex.open(tmp_path / "chroma", embedder) as index:
                index.upsert(Entry(kind="knowledge", id="hours", title="Hours", text="9 to 5"))
                assert index.search("opening hours")[0].id == "hours"
