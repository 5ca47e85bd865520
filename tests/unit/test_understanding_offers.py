"""Picking among the times on the table: by position, or by an hour written as a bare number."""

from __future__ import annotations

import pytest

from agent.choices import Slot
from agent.offline.offers import pick_slot
from agent.offline.when import When


def slot(at: str) -> Slot:
    return Slot(
        provider_id="dr-keller",
        provider="Dr. Jonas Keller",
        service_id="gp-visit",
        service="General practitioner visit",
        start=f"2026-03-13T{at}:00+01:00",
        label=f"Fri 13 Mar 2026, {at}",
    )


OFFER = [slot("09:00"), slot("10:00"), slot("15:00")]


@pytest.mark.parametrize(
    ("position", "picked"), [(2, "10:00"), (10, "10:00"), (9, "09:00"), (3, "15:00"), (-1, "15:00")]
)
def test_a_number_beyond_the_choices_is_the_hour_of_one_of_them(position: int, picked: str) -> None:
    chosen = pick_slot(OFFER, When(), position)
    assert chosen is not None
    assert chosen.label.endswith(picked)


def test_a_number_that_is_neither_a_choice_nor_an_offered_hour_picks_nothing() -> None:
    assert pick_slot(OFFER, When(), 11) is None
