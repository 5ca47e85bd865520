"""The closing table of a benchmark run: every figure, with the machine, date and commit."""

from __future__ import annotations

from datetime import UTC, datetime

from bench.summary import summary


def test_every_figure_is_a_row_under_the_runs_header() -> None:
    table = summary(
        {"contention": {"pg.attempts_per_s": 85.31, "pg.inserts_per_s": 5243.0}},
        at=datetime(2026, 11, 21, 19, 3, tzinfo=UTC),
    )
    lines = table.splitlines()
    assert lines[0] == "# Benchmarks"
    assert "- date: 2026-11-21 19:03 UTC" in lines
    assert any(line.startswith("- machine: ") and "cores" in line for line in lines)
    assert any(line.startswith("- commit: ") and len(line) > len("- commit: ") for line in lines)
    assert "| benchmark | figure | value |" in lines
    assert "| contention | pg.attempts_per_s | 85.31 |" in lines
    assert "| contention | pg.inserts_per_s | 5,243 |" in lines
