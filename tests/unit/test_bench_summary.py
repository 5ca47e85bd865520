"""The closing table of a benchmark run: every figure, with the machine, date and commit."""

from __future__ import annotations

from datetime import UTC, datetime

from bench import contention, prompt_tokens, slot_search, understanding
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


def test_the_headlines_read_their_issues_last_line_from_the_figures() -> None:
    runs = {
        f"postgresql.clients_{clients}": (attempts, seconds)
        for clients, attempts, seconds in ((8, 400, 4.0), (32, 600, 6.0))
    }
    figures = {
        f"{run}.{name}": value
        for run, (attempts, seconds) in runs.items()
        for name, value in (
            ("attempts", attempts),
            ("seconds", seconds),
            ("baseline_inserts_per_s", 1000.0),
            ("double_bookings", 0),
        )
    }
    assert contention.headline(figures) == (
        "contention: postgresql 100 attempts/s = 0.100 x bare insert, double bookings 0"
    )
    searched = {
        "sqlite.providers_1000.first_40_median_ms": 9.0,
        "sqlite.providers_1000.all_starts_median_ms": 99.0,
        "postgresql.providers_1000.first_40_median_ms": 12.34,
        "postgresql.providers_1000.all_starts_median_ms": 234.56,
    }
    assert slot_search.headline(searched) == (
        "slot_search: 1000 providers x 14 days, first 40 starts 12.3 ms, all starts 234.6 ms"
    )
    counted = {
        "turns_05.turn_05.call_tokens": 1965.0,
        "turns_15.turn_15.call_tokens": 2061.0,
        "turns_30.turn_30.call_tokens": 1885.0,
        "turns_05.max_call_tokens": 2253.0,
        "turns_15.max_call_tokens": 2313.0,
        "turns_30.max_call_tokens": 2310.0,
    }
    assert prompt_tokens.headline(counted) == (
        "prompt_tokens: per model call at 5 / 15 / 30 turns 1,965 / 2,061 / 1,885 (max 2,313)"
    )
    understood = {
        "original.passed": 58.0,
        "original.scenarios": 58.0,
        "tuning.passed": 109.0,
        "tuning.scenarios": 140.0,
        "held-out.passed": 66.0,
        "held-out.scenarios": 69.0,
    }
    assert understanding.headline(understood) == (
        "understanding: original 58 / 58 (100 %), tuning 109 / 140 (78 %), held-out 66 / 69 (96 %)"
    )
