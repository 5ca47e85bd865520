"""Every conversation of the sample suite passes end to end with the offline model."""

from __future__ import annotations

from pathlib import Path

import pytest

from domain.kernel.clock import FrozenClock
from domain.kernel.uow import UnitOfWork
from domain.world.loader import load_world, read_world
from evals.play import play
from evals.scenario import Scenario, read_suite
from knowledge.embeddings import MiniLMEmbedder
from testkit.agents import offline_agent
from tests.conftest import ROOT

SUITE = ROOT / "evals" / "suites" / "sample"
SCENARIOS = read_suite(SUITE)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.id for s in SCENARIOS])
def test_sample_scenario_passes(
    scenario: Scenario,
    uow: UnitOfWork,
    clock: FrozenClock,
    tmp_path: Path,
    embedder: MiniLMEmbedder,
) -> None:
    world = read_world(SUITE / "world.yaml")
    load_world(uow=uow, world=world, base_dir=SUITE, source="sample")
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
