"""The HTML report of an eval run: one self-contained page a reader can open offline."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from evals.results import ScenarioResult, Step, SuiteRun, Tokens

# The chart's geometry in SVG user units: labels, then a track a full pass rate fills.
CHART_LABEL_WIDTH = 200
CHART_TRACK_WIDTH = 400
CHART_COUNT_WIDTH = 120
CHART_ROW_HEIGHT = 30
CHART_BAR_HEIGHT = 18
OVERALL = "overall"


@dataclass(frozen=True)
class Bar:
    """One row of the pass-rate chart."""

    label: str
    passed: int
    total: int
    y: int

    @property
    def rate(self) -> float:
        return self.passed / self.total if self.total else 0.0

    @property
    def width(self) -> float:
        return round(self.rate * CHART_TRACK_WIDTH, 2)


@dataclass(frozen=True)
class Chart:
    bars: list[Bar]
    label_width: int = CHART_LABEL_WIDTH
    track_width: int = CHART_TRACK_WIDTH
    row_height: int = CHART_ROW_HEIGHT
    bar_height: int = CHART_BAR_HEIGHT

    @property
    def width(self) -> int:
        return CHART_LABEL_WIDTH + CHART_TRACK_WIDTH + CHART_COUNT_WIDTH

    @property
    def height(self) -> int:
        return len(self.bars) * CHART_ROW_HEIGHT


@dataclass(frozen=True)
class ToolCall:
    """A tool step split into what the reader looks for: the name, the args, the result."""

    name: str
    args: str
    result: str
    other: str  # anything else the runner recorded, so nothing is hidden


@dataclass(frozen=True)
class ScenarioView:
    result: ScenarioResult
    anchor: str
    average_tokens: Tokens | None


def write_report(run: SuiteRun, directory: Path) -> Path:
    """Write `directory/index.html` for the run and return its path."""
    directory.mkdir(parents=True, exist_ok=True)
    page = directory / "index.html"
    page.write_text(render_report(run), encoding="utf-8")
    return page


def render_report(run: SuiteRun) -> str:
    """Return the report page for the run as HTML."""
    return (
        _environment()
        .get_template("report.html.j2")
        .render(
            run=run,
            pass_hats=[(k, run.pass_hat(k)) for k in range(1, run.trials + 1)]
            if run.trials > 1 and run.scenarios
            else [],
            categories=run.by_category(),
            chart=pass_rate_chart(run),
            scenarios=scenario_views(run),
        )
    )


def pass_rate_chart(run: SuiteRun) -> Chart:
    """A bar per category in name order, then the whole suite."""
    rows = [*run.by_category().items(), (OVERALL, (run.passed, len(run.scenarios)))]
    return Chart(
        bars=[
            Bar(label=label, passed=passed, total=total, y=row * CHART_ROW_HEIGHT)
            for row, (label, (passed, total)) in enumerate(rows)
        ]
    )


def scenario_views(run: SuiteRun) -> list[ScenarioView]:
    """The scenarios failed first, each with a unique anchor and its tokens averaged over trials."""
    ordered = sorted(run.scenarios, key=lambda s: (s.passed, s.category, s.id))
    return [
        ScenarioView(
            result=scenario,
            anchor=f"scenario-{position}-{_slug(scenario.id)}",
            average_tokens=_average_tokens(scenario),
        )
        for position, scenario in enumerate(ordered, start=1)
    ]


def tool_call(step: Step) -> ToolCall:
    """Split a tool step's record; keys the runner did not name are kept under `other`."""
    record = dict(step.tool or {})
    name = str(record.pop("name", "") or step.text or "tool")
    args = record.pop("args", None)
    result = record.pop("result", None)
    return ToolCall(
        name=name,
        args=_pretty_json(args),
        result=_pretty_json(result),
        other=_pretty_json(record) if record else "",
    )


def _average_tokens(scenario: ScenarioResult) -> Tokens | None:
    counted = [t.tokens for t in scenario.trials if t.tokens is not None]
    if not counted:
        return None
    return Tokens(
        input=round(sum(t.input for t in counted) / len(counted)),
        output=round(sum(t.output for t in counted) / len(counted)),
    )


def _pretty_json(value: Any) -> str:
    # Tool results may hold dates, decimals or ids the runner did not turn into JSON types.
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True, default=str)


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-") or "scenario"


def _percent(rate: float) -> str:
    return f"{rate * 100:.1f}%"


def _count(value: int) -> str:
    return f"{value:,}"


@cache
def _environment() -> Environment:
    # Transcripts carry client text, which may be HTML or script: escape everything by default.
    environment = Environment(
        loader=PackageLoader("evals", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["percent"] = _percent
    environment.filters["count"] = _count
    environment.globals["tool_call"] = tool_call
    return environment
