"""Every scenario of every suite in evals/suites passes with the offline model (interim harness)."""

from __future__ import annotations

from pathlib import Path

import pytest

from domain.clock import FrozenClock
from domain.uow import UnitOfWork
from domain.world.loader import load_world, read_world
from evals.play import play
from evals.scenario import Scenario, read_suite
from knowledge.embeddings import MiniLMEmbedder
from tests.conftest import ROOT
from tests.support.agents import offline_agent

SUITES = sorted(p for p in (ROOT / "evals" / "suites").iterdir() if (p / "scenarios").is_dir())
CASES = [(suite, scenario) for suite in SUITES for scenario in read_suite(suite)]


@pytest.mark.parametrize(("suite", "scenario"), CASES, ids=[f"{s.name}/{c.id}" for s, c in CASES])
def test_scenario_passes(
    suite: Path,
    scenario: Scenario,
    uow: UnitOfWork,
    clock: FrozenClock,
    tmp_path: Path,
    embedder: MiniLMEmbedder,
) -> None:
    world = read_world(suite / "world.yaml")
    load_world(uow=uow, world=world, base_dir=suite, source=suite.name)
    clock.at = world.now

    def fresh_uow() -> UnitOfWork:
        return UnitOfWork(uow.engine, clock)

    agent = offline_agent(fresh_uow, tmp_path / "chroma", embedder)
    played = play(scenario, uow=fresh_uow, agent=agent, conversation_id=f"eval-{scenario.id}")
    transcript = "\n".join(
        f"> {turn_text}\n" + "\n".join(t.replies)
        for turn_text, t in zip(scenario.turns, played.turns, strict=True)
    )
    assert played.verdict.passed, f"{played.verdict.problem}\n{transcript}"
