"""What an eval run found: per scenario and trial, the verdict and the transcript behind it."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from math import comb
from typing import Any


@dataclass(frozen=True)
class Step:
    """One entry of a played conversation, as the client saw it on the scenario's channel.

    `author` is client, agent, staff, system or tool; a tool step has `tool` (its name, args
    and result) and no client-visible text.
    """

    author: str
    text: str
    buttons: list[str] = field(default_factory=list)
    tool: dict[str, Any] | None = None

    @property
    def shown(self) -> str:
        """Everything the client saw of it: the text and, below it, the buttons' labels."""
        return "\n".join([self.text, *self.buttons])


@dataclass(frozen=True)
class Tokens:
    """What the model was sent and answered over a whole conversation (OpenAI path only)."""

    input: int
    output: int

    @property
    def total(self) -> int:
        return self.input + self.output


@dataclass(frozen=True)
class Trial:
    index: int
    passed: bool
    problem: str  # the first unmet expectation with what was found; empty when passed
    steps: list[Step]
    seconds: float
    tokens: Tokens | None = None  # the agent's model
    client_tokens: Tokens | None = None  # the simulated client's model, for a user_goal


@dataclass(frozen=True)
class ScenarioResult:
    id: str
    description: str
    category: str
    channel: str
    trials: list[Trial]

    @property
    def successes(self) -> int:
        return sum(t.passed for t in self.trials)

    @property
    def passed(self) -> bool:
        return all(t.passed for t in self.trials)

    @property
    def first_problem(self) -> str:
        return next((t.problem for t in self.trials if not t.passed), "")


@dataclass(frozen=True)
class SuiteRun:
    suite: str
    model: str
    trials: int
    started_at: str  # ISO 8601, the machine's wall clock (the scenarios' clocks are frozen)
    scenarios: list[ScenarioResult]

    @property
    def passed(self) -> int:
        return sum(s.passed for s in self.scenarios)

    @property
    def failed(self) -> int:
        return len(self.scenarios) - self.passed

    def pass_hat(self, k: int) -> float:
        """pass^k as τ-bench defines it: the chance that k trials of a scenario all pass.

        Per scenario C(c, k) / C(n, k) for c passes out of n trials, averaged over scenarios.
        """
        if not self.scenarios or not 1 <= k <= self.trials:
            raise ValueError(f"pass^{k} needs 1 <= k <= {self.trials} trials")
        return sum(comb(s.successes, k) / comb(len(s.trials), k) for s in self.scenarios) / len(
            self.scenarios
        )

    def by_category(self) -> dict[str, tuple[int, int]]:
        """(passed, total) scenarios per category, categories in name order."""
        found: dict[str, tuple[int, int]] = {}
        for s in self.scenarios:
            passed, total = found.get(s.category, (0, 0))
            found[s.category] = (passed + s.passed, total + 1)
        return dict(sorted(found.items()))

    def as_json(self) -> dict[str, Any]:
        return {
            **asdict(self),
            "passed": self.passed,
            "failed": self.failed,
            "pass_hat": {str(k): self.pass_hat(k) for k in range(1, self.trials + 1)}
            if self.scenarios
            else {},
        }
