"""`frontdesk eval` as a user runs it: every project suite passes offline; failures, bad files
and pass^k are reported as FORMAT.md and the issue say."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from evals.scenario import read_suite
from tests.conftest import ROOT
from tests.support.eval_suites import sample_world_suite

SUITES = sorted(p for p in (ROOT / "evals" / "suites").iterdir() if (p / "scenarios").is_dir())
FRONTDESK = Path(sys.executable).parent / "frontdesk"


def frontdesk_eval(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "FRONTDESK_"))}
    return subprocess.run(
        [str(FRONTDESK), "eval", *map(str, args)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )


@pytest.mark.parametrize("suite", SUITES, ids=[s.name for s in SUITES])
def test_every_suite_passes_with_the_offline_model(suite: Path, tmp_path: Path) -> None:
    scenarios = read_suite(suite)
    done = frontdesk_eval(suite, "--json", tmp_path / "run.json", cwd=tmp_path)
    lines = done.stdout.strip().splitlines()
    assert done.returncode == 0, done.stdout + done.stderr
    assert lines[-1] == f"{len(scenarios)} passed, 0 failed"
    assert sorted(line.split()[1] for line in lines[:-1]) == sorted(s.id for s in scenarios)
    found = json.loads((tmp_path / "run.json").read_text())
    assert found["passed"] == len(scenarios)
    assert found["model"] == "offline"


FAQ = """\
id: faq
category: questions
client: ana
turns: ["How late can I cancel an appointment without paying?"]
expect:
  replies_contain: ["24 hours"]
"""
# The client takes 14:30; the scenario (wrongly) expects 15:00.
WRONG_TIME = """\
id: wrong-time
category: booking
client: ana
turns:
  - "I'd like to see a dermatologist on Tuesday afternoon."
  - "14:30 works for me"
  - "yes"
expect:
  bookings:
    - {service: gp-visit, provider: dr-keller, start: "2026-03-04T08:40"}
    - {service: derm-consult, provider: dr-weber, start: "2026-03-03T15:00"}
"""


def test_a_failure_names_the_first_unmet_expectation_and_what_was_found(tmp_path: Path) -> None:
    suite = sample_world_suite(tmp_path, {"faq": FAQ, "wrong-time": WRONG_TIME})
    report = tmp_path / "report"
    done = frontdesk_eval(
        suite, "--trials", "2", "--json", tmp_path / "run.json", "--report", report, cwd=tmp_path
    )
    lines = done.stdout.strip().splitlines()
    assert done.returncode == 1, done.stdout + done.stderr
    assert lines[0] == "PASS faq (2/2)"
    assert lines[1].startswith("FAIL wrong-time (0/2): bookings: expected ")
    # What was found instead: the booking the client really made.
    assert "('derm-consult', 'dr-weber', '2026-03-03T14:30')" in lines[1]
    # Each trial played in a fresh database: the second found 14:30 free again.
    assert lines[2] == "pass^1 0.500  pass^2 0.500"
    assert lines[-1] == "1 passed, 1 failed"
    assert lines[-2] == f"report: {report / 'index.html'}"
    page = (report / "index.html").read_text()
    assert "Eval report: suite" in page
    assert "bookings: expected" in page  # the failure, with its transcript's tool calls
    assert "confirm_booking" in page
    run = json.loads((tmp_path / "run.json").read_text())
    wrong = next(s for s in run["scenarios"] if s["id"] == "wrong-time")
    assert [t["passed"] for t in wrong["trials"]] == [False, False]
    tools = [s["tool"]["name"] for s in wrong["trials"][1]["steps"] if s["author"] == "tool"]
    assert "check_slots" in tools
    assert "confirm_booking" in tools


def test_a_scenario_file_that_does_not_parse_is_named_with_its_key(tmp_path: Path) -> None:
    broken = FAQ.replace("replies_contain", "replies_contains")
    suite = sample_world_suite(tmp_path, {"faq": FAQ, "broken": broken})
    done = frontdesk_eval(suite, cwd=tmp_path)
    assert done.returncode == 2
    assert "broken.yaml" in done.stderr
    assert "expect.replies_contains" in done.stderr
    assert "PASS" not in done.stdout  # nothing is played before every file is read


def test_a_scenario_with_neither_turns_nor_goal_is_refused(tmp_path: Path) -> None:
    suite = sample_world_suite(tmp_path, {"empty": "id: empty\nclient: ana\nexpect: {}\n"})
    done = frontdesk_eval(suite, cwd=tmp_path)
    assert done.returncode == 2
    assert "empty.yaml" in done.stderr
    assert "turns or user_goal" in done.stderr


def test_a_folder_without_a_world_is_refused(tmp_path: Path) -> None:
    done = frontdesk_eval(tmp_path, cwd=tmp_path)
    assert done.returncode == 2
    assert "has no world.yaml" in done.stderr


def test_a_goal_scenario_offline_is_refused_before_playing(tmp_path: Path) -> None:
    goal = "id: goal\nclient: ana\nuser_goal: Book a dermatologist.\nexpect: {handoff: false}\n"
    suite = sample_world_suite(tmp_path, {"faq": FAQ, "goal": goal})
    done = frontdesk_eval(suite, cwd=tmp_path)
    assert done.returncode == 2
    assert "goal.yaml: user_goal: a simulated client needs a real model" in done.stderr
    assert "PASS" not in done.stdout


def test_scenarios_that_name_what_the_world_lacks_are_refused_each_by_file_and_key(
    tmp_path: Path,
) -> None:
    wrong_ids = FAQ.replace("id: faq", "id: wrong-ids").replace(
        "expect:\n",
        "expect:\n  bookings: [{service: nope, provider: dr-weber, start: '2026-03-03 14:30'}]\n"
        "  document_requests: [no-such-kind]\n  forms: [no-such-form]\n",
    )
    suite = sample_world_suite(
        tmp_path,
        {
            "faq": FAQ,
            "faq-again": FAQ,  # the same id twice
            "stranger": FAQ.replace("id: faq", "id: stranger").replace("ana", "nobody"),
            "no-phone": "id: no-phone\nclient: {name: No Phone}\nchannel: sms\nturns: [hi]\n"
            "expect: {}\n",
            "wrong-ids": wrong_ids,
        },
    )
    done = frontdesk_eval(suite, cwd=tmp_path)
    assert done.returncode == 2
    problems = done.stderr
    assert "stranger.yaml: client: unknown client 'nobody'" in problems
    assert "no-phone.yaml: channel: an sms scenario needs a client with a phone" in problems
    assert "wrong-ids.yaml: expect.bookings[0].service: unknown service 'nope'" in problems
    assert "wrong-ids.yaml: expect.bookings[0].start: '2026-03-03 14:30' is not like" in problems
    assert "wrong-ids.yaml: expect.document_requests[0]: unknown document kind 'no-such-kind'" in (
        problems
    )
    assert "wrong-ids.yaml: expect.forms[0]: unknown template 'no-such-form'" in problems
    assert "faq-again.yaml: id: 'faq' is the id of another scenario too" in problems
    assert "Traceback" not in problems


def test_an_empty_scenarios_folder_is_refused(tmp_path: Path) -> None:
    suite = sample_world_suite(tmp_path, {})
    done = frontdesk_eval(suite, "--trials", "2", cwd=tmp_path)
    assert done.returncode == 2
    assert "scenarios: (folder): no scenario files" in done.stderr


def test_outputs_that_cannot_be_written_are_refused_before_playing(tmp_path: Path) -> None:
    suite = sample_world_suite(tmp_path, {"faq": FAQ})
    not_a_folder = tmp_path / "plain-file"
    not_a_folder.write_text("")
    done = frontdesk_eval(suite, "--json", not_a_folder / "run.json", cwd=tmp_path)
    assert done.returncode == 2
    assert f"error: cannot write to {not_a_folder}" in done.stderr
    assert "Traceback" not in done.stderr
    assert done.stdout == ""


def test_openai_without_a_key_or_server_is_refused(tmp_path: Path) -> None:
    done = frontdesk_eval(
        sample_world_suite(tmp_path, {"faq": FAQ}), "--model", "openai", cwd=tmp_path
    )
    assert done.returncode == 2
    assert "--model openai needs OPENAI_API_KEY or OPENAI_BASE_URL" in done.stderr
