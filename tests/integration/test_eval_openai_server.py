"""`frontdesk eval --model openai` end to end: the agent's OpenAI client, over real HTTP, asks
the local model server (testkit/model_server.py), which answers as the offline model would.

Every project suite must pass on this path as it does offline: the compact prompts the OpenAI
path sends, the wire format both ways (tool calls and their results), and the token counts.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from evals.scenario import read_suite
from testkit.model_server import RunningModelServer, model_server
from tests.conftest import ROOT

SUITES = [ROOT / "evals" / "suites" / name for name in ("demo", "toronto")]
FRONTDESK = Path(sys.executable).parent / "frontdesk"


@pytest.fixture(scope="module")
def local_model() -> Iterator[RunningModelServer]:
    with model_server(latency=0.0) as server:
        yield server


def eval_against(
    server: RunningModelServer, suite: Path, out: Path
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "FRONTDESK_"))}
    env |= {"OPENAI_BASE_URL": server.base_url, "OPENAI_API_KEY": "dummy-key"}
    return subprocess.run(
        [str(FRONTDESK), "eval", str(suite), "--model", "openai", "--json", str(out)],
        cwd=out.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


@pytest.mark.parametrize("suite", SUITES, ids=[s.name for s in SUITES])
def test_every_suite_passes_on_the_openai_path_against_the_local_model_server(
    suite: Path, local_model: RunningModelServer, tmp_path: Path
) -> None:
    scenarios = read_suite(suite)
    before = httpx.get(f"http://127.0.0.1:{local_model.port}/stats").json()
    done = eval_against(local_model, suite, tmp_path / "run.json")
    lines = done.stdout.strip().splitlines()
    assert done.returncode == 0, done.stdout + done.stderr
    assert lines[-1] == f"{len(scenarios)} passed, 0 failed"
    found = json.loads((tmp_path / "run.json").read_text())
    assert found["model"] == "openai:gpt-4o-mini"
    assert all(s["trials"][0]["tokens"]["input"] > 0 for s in found["scenarios"])
    after = httpx.get(f"http://127.0.0.1:{local_model.port}/stats").json()
    # Every answer came from the server, over the wire; none was refused as malformed.
    assert after["decided"] - before["decided"] >= len(scenarios)
    assert after["refused"] == 0
