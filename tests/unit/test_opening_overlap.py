"""Specification of the one check for overlapping opening hours (domain/scheduling/hours.py).

Weekly hours, date overrides and world files all ask `first_overlap`, so they agree on what
overlaps: ranges sharing any minute do, ranges that only touch do not.
"""

from __future__ import annotations

from datetime import time
from pathlib import Path

import pytest
import yaml

from domain.scheduling.hours import first_overlap
from domain.world.checks import check_world
from domain.world.schema import WorldIn
from tests.conftest import SAMPLE_WORLD


def span(text: str) -> tuple[time, time]:
    opens, closes = text.split("-")
    return time.fromisoformat(opens), time.fromisoformat(closes)


def spans(*texts: str) -> list[tuple[time, time]]:
    return [span(text) for text in texts]


def test_ranges_that_only_touch_do_not_overlap() -> None:
    assert first_overlap(spans("09:00-12:00", "12:00-13:00", "13:00-17:00")) is None


def test_ranges_sharing_a_minute_overlap_and_their_positions_are_named() -> None:
    assert first_overlap(spans("13:00-17:00", "09:00-12:00", "11:59-12:30")) == (1, 2)


def test_a_range_inside_another_overlaps_whatever_the_order() -> None:
    assert first_overlap(spans("10:00-11:00", "08:00-18:00")) == (1, 0)


def test_no_ranges_or_one_range_never_overlap() -> None:
    assert first_overlap([]) is None
    assert first_overlap(spans("09:00-10:00")) is None


@pytest.mark.parametrize(
    ("ranges", "refused"),
    [
        (["09:00-12:00", "12:00-13:00"], False),
        (["09:00-12:00", "11:00-13:00"], True),
        (["14:00-15:00", "08:00-18:00"], True),
    ],
)
def test_a_world_file_is_refused_exactly_when_the_check_finds_an_overlap(
    ranges: list[str], refused: bool
) -> None:
    world = yaml.safe_load(SAMPLE_WORLD.read_text())
    world["providers"][0]["hours"] = {"mon": ranges}
    provider_id = world["providers"][0]["id"]

    problems = check_world(WorldIn.model_validate(world), Path("."))

    assert (
        (f"providers[{provider_id}].hours.mon", "opening ranges overlap") in problems
    ) is refused
    assert (first_overlap(spans(*ranges)) is not None) is refused
