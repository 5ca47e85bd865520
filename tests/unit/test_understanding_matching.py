"""Matching what a client calls a provider or a service against the catalog."""

from __future__ import annotations

import pytest

from agent.offline.matching import name_tokens, rank_matches

PROVIDERS: dict[str, list[str]] = {
    "dr-weber": ["Dr. Anna Weber", "dermatology"],
    "dr-keller": ["Dr. Jonas Keller", "general practice", "family medicine"],
    "lawyer-brandt": ["Lukas Brandt", "family law"],
    "notary-marin": ["Sofia Marin", "notary", "certification"],
}
SERVICES: dict[str, list[str]] = {
    "derm-consult": ["Dermatology consultation"],
    "gp-visit": ["General practitioner visit"],
    "family-law-consult": ["Family law consultation"],
    "notary-certification": ["Notarial certification of documents"],
}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Dr. Weber", [("dr-weber", 100.0)]),
        ("Weber", [("dr-weber", 100.0)]),
        ("doctor weber", [("dr-weber", 100.0)]),
        ("Dr. Anna Weber", [("dr-weber", 100.0)]),
        ("dermatologist", [("dr-weber", 100.0)]),
        ("Can I see Dr. Weber on Thursday?", [("dr-weber", 100.0)]),
        ("keller", [("dr-keller", 100.0)]),
        ("Dr Keler", [("dr-keller", 90.9), ("dr-weber", 60.0)]),
        ("weeber", [("dr-weber", 90.9)]),
        ("dermatolgy", [("dr-weber", 95.2)]),
        ("Brandt", [("lawyer-brandt", 100.0)]),
        ("family lawyer", [("lawyer-brandt", 87.0), ("dr-keller", 66.7)]),
        ("general practitioner", [("dr-keller", 85.0)]),
        ("notar", [("notary-marin", 90.9)]),
        ("Sofia", [("notary-marin", 100.0)]),
    ],
)
def test_ranks_providers_by_name_and_specialty(
    query: str, expected: list[tuple[str, float]]
) -> None:
    assert rank_matches(query, PROVIDERS) == expected


@pytest.mark.parametrize(
    ("query", "best"),
    [
        ("dermatology consultation", "derm-consult"),
        ("a general practitioner", "gp-visit"),
        ("family law", "family-law-consult"),
        ("certification", "notary-certification"),
    ],
)
def test_ranks_services_by_name(query: str, best: str) -> None:
    assert rank_matches(query, SERVICES)[0][0] == best


def test_equal_scores_are_ordered_by_id() -> None:
    assert rank_matches("family", PROVIDERS) == [("dr-keller", 100.0), ("lawyer-brandt", 100.0)]


def test_limit_keeps_the_best() -> None:
    assert rank_matches("family", PROVIDERS, limit=1) == [("dr-keller", 100.0)]


def test_cutoff_drops_weak_matches() -> None:
    assert rank_matches("Dr Keler", PROVIDERS, cutoff=80) == [("dr-keller", 90.9)]


@pytest.mark.parametrize("query", ["xyz", "a", "Dr.", "", "the doctor", "Thursday at 11"])
def test_nothing_matches_noise_titles_or_times(query: str) -> None:
    assert rank_matches(query, PROVIDERS) == []


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Dr. Anna Weber", ["anna", "weber"]),
        ("doctor WEBER", ["weber"]),
        ("Dermatologist", ["dermatology"]),
        ("Zoë Müller", ["zoe", "muller"]),
    ],
)
def test_names_are_folded_before_comparing(name: str, expected: list[str]) -> None:
    assert name_tokens(name) == expected
