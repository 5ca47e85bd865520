"""Every project suite with the offline model: pass counts and time per scenario through the
hub and the channel adapters, against the same turns sent straight to the agent (no hub, no
channel) on the same fresh database copies in the same run."""

from __future__ import annotations

import statistics
import time
from pathlib import Path

from agent.models import ModelSettings
from bench.common import Figures, PostgresDatabases, fmt, markdown_table
from evals.play import play
from evals.runner import run_suite
from evals.suite import Suite, read_whole_suite
from evals.worlds import WorldCopies
from knowledge.embeddings import MiniLMEmbedder

SUITES = Path(__file__).parent.parent / "evals" / "suites"
OFFLINE = ModelSettings(kind="offline")


def straight_to_the_agent(suite: Suite, embedder: MiniLMEmbedder) -> tuple[list[float], int]:
    """Seconds per scenario and passes with each turn handed to `ConversationAgent.send`."""
    seconds, passed = [], 0
    with WorldCopies(suite.world, base_dir=suite.path, embedder=embedder) as world:
        for scenario in suite.scenarios:
            began = time.perf_counter()
            with world.fresh() as uow:
                agent = world.agent(uow, OFFLINE)
                played = play(scenario, uow=uow, agent=agent, conversation_id=scenario.id)
            seconds.append(time.perf_counter() - began)
            passed += played.verdict.passed
    return seconds, passed


def run(_: PostgresDatabases | None) -> Figures:
    embedder = MiniLMEmbedder()
    embedder.load()
    figures: Figures = {}
    rows: list[list[object]] = []
    suites = [read_whole_suite(p) for p in sorted(SUITES.iterdir()) if (p / "scenarios").is_dir()]
    suites = [s for s in suites if not any(c.user_goal for c in s.scenarios)]  # need a real model
    if not suites:
        print("(no suite that runs offline)\n")
        return figures
    # Once unmeasured: the first conversations of a process pay for imports and warm caches.
    straight_to_the_agent(suites[0], embedder)
    for suite in suites:
        path = suite.path
        direct, direct_passed = straight_to_the_agent(suite, embedder)
        result = run_suite(suite, model=OFFLINE, embedder=embedder)
        through_hub = [t.seconds for s in result.scenarios for t in s.trials]
        hub_ms, direct_ms = statistics.median(through_hub) * 1000, statistics.median(direct) * 1000
        key = f"{path.name}"
        figures |= {
            f"{key}.scenarios": len(suite.scenarios),
            f"{key}.passed": result.passed,
            f"{key}.passed_straight_to_agent": direct_passed,
            f"{key}.median_ms_per_scenario": hub_ms,
            f"{key}.ratio_to_straight_to_agent": hub_ms / direct_ms,
        }
        rows.append(
            [
                path.name,
                len(suite.scenarios),
                f"{result.passed} / {direct_passed}",
                fmt(hub_ms),
                fmt(direct_ms),
                fmt(hub_ms / direct_ms, 2),
            ]
        )
    print("### eval suites, offline model: through the hub and channels vs straight to the agent\n")
    print(
        markdown_table(
            [
                "suite",
                "scenarios",
                "passed: hub / straight",
                "median ms per scenario, hub",
                "straight",
                "hub ÷ straight",
            ],
            rows,
        )
    )
    print()
    return figures
