"""How well the offline model understands clients: pass rate per suite, one table.

The project's own suites (evals/suites/demo, toronto) are the baseline measured in the same run:
the rewordings of their scenarios (evals/understanding/tuning and heldout, written by people
who had not read the offline model) ask for the same outcomes in other words, so the ratio of a
rewording suite's pass rate to its original's says how much of what the agent does survives a
change of wording. The held-out suites are measured, never tuned against (see their README).

The German and Russian suites (evals/languages, issue 18) follow, per language and set: the
demo world in German and in Russian, and a practice whose catalog is written in Russian.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from agent.models import ModelSettings
from bench.common import Figures, PostgresDatabases, fmt, markdown_table
from evals.runner import run_suite
from evals.suite import read_whole_suite
from knowledge.embeddings import MiniLMEmbedder

EVALS = Path(__file__).parent.parent / "evals"
OFFLINE = ModelSettings(kind="offline")
WORLDS = ("demo", "toronto")


@dataclass(frozen=True)
class SuiteSet:
    """Suites of one kind: the originals, or one set of their rewordings."""

    name: str
    folder: Path


SETS = (
    SuiteSet("original", EVALS / "suites"),
    SuiteSet("tuning", EVALS / "understanding" / "tuning"),
    SuiteSet("held-out", EVALS / "understanding" / "heldout"),
)


@dataclass(frozen=True)
class LanguageSuite:
    """One suite of the language sets: its folder, language and set (tuning or held-out)."""

    language: str
    set_name: str
    folder: Path

    @property
    def key(self) -> str:
        return f"{self.language}.{self.set_name}.{self.folder.name}"


LANGUAGES = EVALS / "languages"
LANGUAGE_SUITES = tuple(
    LanguageSuite(folder.name.rsplit("-", 1)[1], set_name, folder)
    for set_name, set_folder in (("tuning", "tuning"), ("held-out", "heldout"))
    for folder in sorted((LANGUAGES / set_folder).glob("*-*"))
)


def _rate(passed: float, total: float) -> float:
    return passed / total if total else 0.0


def run(_: PostgresDatabases | None) -> Figures:
    embedder = MiniLMEmbedder()
    embedder.load()
    figures: Figures = {}
    rows: list[list[object]] = []
    for suite_set in SETS:
        for world in WORLDS:
            path = suite_set.folder / world
            if not (path / "scenarios").is_dir():
                continue
            result = run_suite(read_whole_suite(path), model=OFFLINE, embedder=embedder)
            total = len(result.scenarios)
            key = f"{suite_set.name}.{world}"
            figures[f"{key}.passed"] = result.passed
            figures[f"{key}.scenarios"] = total
            original = f"original.{world}"
            original_rate = _rate(figures[f"{original}.passed"], figures[f"{original}.scenarios"])
            rate = _rate(result.passed, total)
            rows.append(
                [
                    suite_set.name,
                    world,
                    f"{result.passed} / {total}",
                    f"{fmt(100 * rate, 1)} %",
                    fmt(_rate(rate, original_rate), 2),
                ]
            )
            print(f"{suite_set.name} {world}: {result.passed} / {total}", flush=True)
    language_rows = _language_rows(figures, embedder)
    for suite_set in SETS:
        set_passed = sum(figures.get(f"{suite_set.name}.{w}.passed", 0.0) for w in WORLDS)
        set_total = sum(figures.get(f"{suite_set.name}.{w}.scenarios", 0.0) for w in WORLDS)
        figures[f"{suite_set.name}.passed"] = set_passed
        figures[f"{suite_set.name}.scenarios"] = set_total
        figures[f"{suite_set.name}.rate"] = _rate(set_passed, set_total)
    print("\n### understanding, offline model, one trial per scenario\n")
    print(
        markdown_table(
            ["set", "suite", "passed / scenarios", "pass rate", "÷ original's rate"], rows
        )
    )
    print("\n### understanding per language, offline model, one trial per scenario\n")
    print(
        markdown_table(
            ["language", "set", "suite", "passed / scenarios", "pass rate"], language_rows
        )
    )
    print()
    return figures


def _language_rows(figures: Figures, embedder: MiniLMEmbedder) -> list[list[object]]:
    """Run the German and Russian suites; figures per suite and per language and set."""
    rows: list[list[object]] = []
    for suite in LANGUAGE_SUITES:
        result = run_suite(read_whole_suite(suite.folder), model=OFFLINE, embedder=embedder)
        total = len(result.scenarios)
        figures[f"{suite.key}.passed"] = result.passed
        figures[f"{suite.key}.scenarios"] = total
        for key in (f"{suite.language}.{suite.set_name}", suite.language):
            figures[f"{key}.passed"] = figures.get(f"{key}.passed", 0.0) + result.passed
            figures[f"{key}.scenarios"] = figures.get(f"{key}.scenarios", 0.0) + total
        rate = _rate(result.passed, total)
        rows.append(
            [
                suite.language,
                suite.set_name,
                suite.folder.name,
                f"{result.passed} / {total}",
                f"{fmt(100 * rate, 1)} %",
            ]
        )
        print(f"{suite.language} {suite.set_name} {suite.folder.name}: {result.passed} / {total}")
    return rows


def headline(figures: Figures) -> str:
    def part(name: str) -> str:
        passed, total = figures[f"{name}.passed"], figures[f"{name}.scenarios"]
        return f"{name} {passed:.0f} / {total:.0f} ({100 * _rate(passed, total):.0f} %)"

    return "understanding: " + ", ".join(part(s.name) for s in SETS)
