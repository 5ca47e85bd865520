"""`frontdesk eval`'s output: a progress bar, a line per scenario, pass^k and the tally."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TextIO

from agent.models import ModelSettings
from evals.results import ScenarioResult, SuiteRun
from evals.runner import run_suite
from evals.suite import read_whole_suite, refuse_goals_without_model

BAR_WIDTH = 30


class ProgressBar:
    """Redrawn in place on a terminal; elsewhere (a CI log) it stays silent."""

    def __init__(self, stream: TextIO, total: int) -> None:
        self.stream = stream
        self.total = total
        self.done = 0
        self.live = stream.isatty()

    def show(self, label: str) -> None:
        if not self.live:
            return
        filled = BAR_WIDTH * self.done // max(self.total, 1)
        bar = "#" * filled + "-" * (BAR_WIDTH - filled)
        self.stream.write(f"\r[{bar}] {self.done}/{self.total} {label}"[:120].ljust(120))
        self.stream.flush()

    def step(self) -> None:
        self.done += 1

    def clear(self) -> None:
        if self.live:
            self.stream.write("\r" + " " * 120 + "\r")
            self.stream.flush()


def scenario_line(result: ScenarioResult) -> str:
    """`PASS id`, or `FAIL id: the first unmet expectation`; with the passes out of K trials."""
    tally = f" ({result.successes}/{len(result.trials)})" if len(result.trials) > 1 else ""
    if result.passed:
        return f"PASS {result.id}{tally}"
    return f"FAIL {result.id}{tally}: {result.first_problem}"


def pass_hat_line(run: SuiteRun) -> str:
    return "  ".join(f"pass^{k} {run.pass_hat(k):.3f}" for k in range(1, run.trials + 1))


def evaluate(
    suite_dir: Path,
    *,
    model: ModelSettings,
    trials: int,
    json_out: Path | None,
    report_dir: Path | None,
    out: TextIO,
    err: TextIO,
) -> int:
    """Run a suite and print its results; 0 only when every scenario passed every trial.

    Everything that would stop the run is found before it starts: a bad file (WorldError or
    SuiteProblems, naming file and key), goals without a model to play the client, outputs
    that cannot be written.
    """
    suite = read_whole_suite(suite_dir)
    refuse_goals_without_model(suite, model.kind)
    for directory in (json_out.parent if json_out else None, report_dir):
        if directory is not None:
            try:
                directory.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                print(f"error: cannot write to {directory}: {exc.strerror}", file=err)
                return 2
    progress = ProgressBar(err, len(suite.scenarios) * trials)

    def started(number: int, index: int) -> None:
        progress.show(f"{suite.scenarios[number].id} #{index + 1}")
        progress.step()

    def finished(result: ScenarioResult) -> None:
        progress.clear()
        print(scenario_line(result), file=out, flush=True)

    run = run_suite(suite, model=model, trials=trials, on_trial=started, on_scenario=finished)
    progress.clear()
    if trials > 1:
        print(pass_hat_line(run), file=out)
    unwritten = _write(run, json_out, report_dir, out, err)
    print(f"{run.passed} passed, {run.failed} failed", file=out)
    return 2 if unwritten else 0 if run.failed == 0 else 1


def _write(
    run: SuiteRun, json_out: Path | None, report_dir: Path | None, out: TextIO, err: TextIO
) -> bool:
    """Write the JSON and the report; a failure is said (the tally still follows). Failed?"""
    failed = False
    try:
        if json_out is not None:
            json_out.write_text(json.dumps(run.as_json(), indent=2, ensure_ascii=False) + "\n")
        if report_dir is not None:
            from evals.report import write_report  # jinja only when a report is asked for

            print(f"report: {write_report(run, report_dir)}", file=out)
    except OSError as exc:
        print(f"error: could not write {exc.filename}: {exc.strerror}", file=err)
        failed = True
    return failed
