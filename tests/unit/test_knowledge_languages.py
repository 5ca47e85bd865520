"""The knowledge index finds by meaning across languages: a catalog written in Russian from
Russian wordings, an English one from German and Russian, with the real embedding models."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from knowledge.embeddings import MiniLMEmbedder
from knowledge.entries import Entry
from knowledge.index import KnowledgeIndex
from knowledge.meanings import beyond_english

RUSSIAN_CATALOG = [
    Entry("service", "therapist-visit", "Приём терапевта", "Температура, простуда, кашель."),
    Entry("service", "eye-exam", "Консультация офтальмолога (окулиста)", "Проверка зрения, очки."),
    Entry("service", "dental-checkup", "Осмотр стоматолога", "Зубная боль, пломбы, кариес."),
    Entry("service", "lawyer-consult", "Консультация юриста", "Развод, раздел имущества."),
]
ENGLISH_CATALOG = [
    Entry("service", "gp-visit", "General practitioner visit", "Fever, cold or flu, cough."),
    Entry("service", "eye-exam", "Eye examination", "Vision test, glasses and contact lenses."),
    Entry("service", "derm-consult", "Dermatology consultation", "Skin, rashes, moles, acne."),
    Entry("service", "tenancy-law", "Tenancy law consultation", "Rent increase, eviction."),
]


def index_of(path: Path, embedder: MiniLMEmbedder, entries: list[Entry]) -> KnowledgeIndex:
    index = KnowledgeIndex.open(path, embedder)
    index.reindex(entries)
    return index


@pytest.fixture
def russian(tmp_path: Path, embedder: MiniLMEmbedder) -> Iterator[KnowledgeIndex]:
    with index_of(tmp_path / "ru", embedder, RUSSIAN_CATALOG) as index:
        yield index


@pytest.fixture
def english(tmp_path: Path, embedder: MiniLMEmbedder) -> Iterator[KnowledgeIndex]:
    with index_of(tmp_path / "en", embedder, ENGLISH_CATALOG) as index:
        yield index


class TestARussianCatalog:
    @pytest.mark.parametrize(
        ("need", "service"),
        [
            ("окулист", "eye-exam"),
            ("зуб болит", "dental-checkup"),
            ("мне нужен терапевт", "therapist-visit"),
            ("развожусь, раздел имущества", "lawyer-consult"),
            ("ophthalmologist окулист", "eye-exam"),
        ],
    )
    def test_is_found_from_russian_wordings(
        self, russian: KnowledgeIndex, need: str, service: str
    ) -> None:
        hits = russian.search(need, kind="service")
        assert hits[0].id == service
        assert hits[0].score >= 0.2  # a fit, on the scale tools/search.py reads (NEED_MATCH)

    def test_an_unrelated_word_fits_nothing(self, russian: KnowledgeIndex) -> None:
        assert russian.search("здравствуйте", kind="service")[0].score < 0.2


class TestAnEnglishCatalog:
    @pytest.mark.parametrize(
        ("need", "service"),
        [
            ("окулист", "eye-exam"),
            ("проверить зрение", "eye-exam"),
            ("сыпь на коже", "derm-consult"),
        ],
    )
    def test_is_found_from_russian_words_no_lexicon_lists(
        self, english: KnowledgeIndex, need: str, service: str
    ) -> None:
        assert english.search(need, kind="service")[0].id == service

    def test_english_is_searched_as_before(self, english: KnowledgeIndex) -> None:
        hits = english.search("my landlord raised the rent", kind="service")
        assert hits[0].id == "tenancy-law"
        assert not beyond_english("my landlord raised the rent")
