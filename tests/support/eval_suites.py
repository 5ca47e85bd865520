"""Throwaway eval suites for tests: the sample world with scenarios written on the spot."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.conftest import ROOT

SAMPLE = ROOT / "evals" / "suites" / "sample"


def sample_world_suite(tmp_path: Path, scenarios: dict[str, str]) -> Path:
    """A suite folder holding the sample world and these scenarios (file name → YAML)."""
    suite = tmp_path / "suite"
    (suite / "scenarios").mkdir(parents=True)
    shutil.copy(SAMPLE / "world.yaml", suite / "world.yaml")
    for name, text in scenarios.items():
        (suite / "scenarios" / f"{name}.yaml").write_text(text)
    return suite
