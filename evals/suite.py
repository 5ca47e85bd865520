"""A whole suite read and checked before anything is played: the world, every scenario, and
whether each scenario can run against that world."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from agent.models import ModelKind
from domain.kernel.errors import InvalidInput
from domain.world.loader import read_world
from domain.world.schema import WorldIn
from evals.scenario import NewClient, Scenario, read_suite

NEEDS_MODEL = "a simulated client needs a real model: run with --model openai"
LOCAL_START = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$")  # as FORMAT.md writes `start`


class SuiteProblems(InvalidInput):
    """Scenarios that cannot run against their world; each problem names its file and key."""

    code = "invalid_suite"

    def __init__(self, problems: list[tuple[Path, str, str]]) -> None:
        self.problems = problems
        super().__init__("\n".join(f"{path}: {key}: {problem}" for path, key, problem in problems))


@dataclass(frozen=True)
class Suite:
    path: Path
    world: WorldIn
    scenarios: list[Scenario]

    def scenario_file(self, scenario: Scenario) -> Path:
        return self.path / "scenarios" / f"{scenario.id}.yaml"


def read_whole_suite(path: Path) -> Suite:
    """Read the world and every scenario, and check them against each other, before any play.

    A file that does not parse raises WorldError; scenarios that name what the world lacks
    raise SuiteProblems — both name the file and the key.
    """
    world = read_world(path / "world.yaml")
    files = sorted((path / "scenarios").glob("*.yaml"))
    if not files:
        raise SuiteProblems([(path / "scenarios", "(folder)", "no scenario files (*.yaml)")])
    suite = Suite(path, world, read_suite(path))
    problems = [
        (file, key, problem)
        for file, scenario in zip(files, suite.scenarios, strict=True)
        for key, problem in _problems(scenario, world)
    ]
    counted = Counter(s.id for s in suite.scenarios)
    problems += [
        (file, "id", f"{s.id!r} is the id of another scenario too")
        for file, s in zip(files, suite.scenarios, strict=True)
        if counted[s.id] > 1
    ]
    if problems:
        raise SuiteProblems(problems)
    return suite


def refuse_goals_without_model(suite: Suite, model: ModelKind) -> None:
    """A `user_goal` needs a real model to play the client: refuse the suite before any play."""
    if model == "offline":
        goals = [s for s in suite.scenarios if s.user_goal]
        if goals:
            raise SuiteProblems([(suite.scenario_file(s), "user_goal", NEEDS_MODEL) for s in goals])


def _problems(scenario: Scenario, world: WorldIn) -> list[tuple[str, str]]:
    clients = {c.id: c for c in world.clients}
    found: list[tuple[str, str]] = []
    if isinstance(scenario.client, NewClient):
        phone = scenario.client.phone
    elif scenario.client not in clients:
        found.append(("client", f"unknown client {scenario.client!r}"))
        phone = None
    else:
        phone = clients[scenario.client].phone
    if scenario.channel == "sms" and not phone and not found:
        found.append(("channel", "an sms scenario needs a client with a phone"))
    services = {s.id for s in world.services}
    providers = {p.id for p in world.providers}
    for index, booking in enumerate(scenario.expect.bookings or []):
        key = f"expect.bookings[{index}]"
        if booking.service not in services:
            found.append((f"{key}.service", f"unknown service {booking.service!r}"))
        if booking.provider not in providers:
            found.append((f"{key}.provider", f"unknown provider {booking.provider!r}"))
        if not LOCAL_START.match(booking.start):
            found.append((f"{key}.start", f"{booking.start!r} is not like 2026-03-03T14:30"))
    kinds = {k.id for k in world.document_kinds}
    found += [
        (f"expect.document_requests[{i}]", f"unknown document kind {kind!r}")
        for i, kind in enumerate(scenario.expect.document_requests or [])
        if kind not in kinds
    ]
    templates = {t.id for t in world.templates}
    found += [
        (f"expect.forms[{i}]", f"unknown template {template!r}")
        for i, template in enumerate(scenario.expect.forms or [])
        if template not in templates
    ]
    return found
