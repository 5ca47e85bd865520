"""The suites for real models (simulated clients) stay readable: their world and every goal."""

from __future__ import annotations

from pathlib import Path

import pytest

from evals.suite import read_whole_suite
from tests.conftest import ROOT

GOAL_SUITES = sorted((ROOT / "evals" / "goal_suites").iterdir())


@pytest.mark.parametrize("suite", GOAL_SUITES, ids=[s.name for s in GOAL_SUITES])
def test_a_goal_suite_reads_and_every_scenario_has_a_goal(suite: Path) -> None:
    read = read_whole_suite(suite)
    assert read.scenarios
    assert all(s.user_goal and not s.turns for s in read.scenarios)
