"""pass^k as τ-bench defines it, the per-scenario lines and the progress bar."""

from __future__ import annotations

import io

import pytest

from evals.console import ProgressBar, pass_hat_line, scenario_line
from evals.results import ScenarioResult, SuiteRun, Trial


def scenario(name: str, *passes: bool, category: str = "booking") -> ScenarioResult:
    trials = [
        Trial(i, passed=p, problem="" if p else f"bookings: trial {i}", steps=[], seconds=0.1)
        for i, p in enumerate(passes)
    ]
    return ScenarioResult(name, "", category, "web", trials)


def run_of(*scenarios: ScenarioResult) -> SuiteRun:
    return SuiteRun(
        "s", "offline", len(scenarios[0].trials), "2026-11-22T10:00:00+00:00", list(scenarios)
    )


def test_pass_hat_k_is_the_chance_that_k_trials_all_pass() -> None:
    run = run_of(scenario("a", True, True, False), scenario("b", True, True, True))
    # a: C(2,k)/C(3,k) = 2/3, 1/3, 0; b: 1 for every k.
    assert run.pass_hat(1) == pytest.approx((2 / 3 + 1) / 2)
    assert run.pass_hat(2) == pytest.approx((1 / 3 + 1) / 2)
    assert run.pass_hat(3) == pytest.approx(0.5)
    assert pass_hat_line(run) == "pass^1 0.833  pass^2 0.667  pass^3 0.500"
    with pytest.raises(ValueError, match=r"pass\^4 needs"):
        run.pass_hat(4)


def test_a_scenario_passes_only_when_every_trial_does() -> None:
    run = run_of(scenario("a", True, False), scenario("b", True, True, category="cancel"))
    assert (run.passed, run.failed) == (1, 1)
    assert run.by_category() == {"booking": (0, 1), "cancel": (1, 1)}
    assert run.as_json()["pass_hat"] == {"1": 0.75, "2": 0.5}


def test_a_line_per_scenario_with_the_first_unmet_expectation() -> None:
    assert scenario_line(scenario("a", True)) == "PASS a"
    assert scenario_line(scenario("a", True, False, False)) == "FAIL a (1/3): bookings: trial 1"


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_progress_bar_is_drawn_on_a_terminal_only() -> None:
    terminal, log = Terminal(), io.StringIO()
    for stream in (terminal, log):
        bar = ProgressBar(stream, total=4)
        bar.step()
        bar.step()
        bar.show("cancel-existing #1")
        bar.clear()
    assert "\r[" + "#" * 15 + "-" * 15 + "] 2/4 cancel-existing #1" in terminal.getvalue()
    assert terminal.getvalue().endswith("\r")
    assert log.getvalue() == ""
