"""One table of every figure of a `make bench` run, with the machine, date and commit, so
runs can be compared side by side (`diff` two files in bench/results/)."""

from __future__ import annotations

import os
import platform
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import psutil

from bench.common import Figures, markdown_table

RESULTS = Path(__file__).parent / "results"


def machine() -> str:
    memory = psutil.virtual_memory().total / 2**30
    return (
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"{memory:.0f} GiB, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}"
    )


def commit() -> str:
    found = subprocess.run(
        ["git", "describe", "--always", "--dirty"],
        cwd=Path(__file__).parent,
        capture_output=True,
        text=True,
        check=False,
    )
    return found.stdout.strip() or "unknown"


def summary(results: dict[str, Figures], *, at: datetime | None = None) -> str:
    """Render every benchmark's figures as one Markdown table under a header of the run."""
    at = at or datetime.now(UTC)
    rows = [
        (name, figure, _number(value))
        for name, figures in results.items()
        for figure, value in figures.items()
    ]
    header = (
        f"# Benchmarks\n\n- machine: {machine()}\n- date: {at:%Y-%m-%d %H:%M} UTC\n"
        f"- commit: {commit()}\n\n"
    )
    return header + markdown_table(["benchmark", "figure", "value"], rows) + "\n"


def write_summary(results: dict[str, Figures]) -> Path:
    """Write the run's table to bench/results/ and return its path."""
    at = datetime.now(UTC)
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{at:%Y%m%d-%H%M%S}-{commit()}.md"
    path.write_text(summary(results, at=at))
    return path


def _number(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.4g}"
