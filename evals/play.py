"""Playing a scenario's turns straight to the agent (no hub, no channel) and judging the end.

The runner plays through the hub (evals/runner.py); this path is kept as the tests' and the
benchmark's baseline, and for the sample suite on PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from agent.runner import ConversationAgent, Turn
from domain.clients.registration import register_client
from domain.kernel.actors import SYSTEM
from domain.kernel.uow import UnitOfWork
from evals.judge import Verdict, before_playing, judge
from evals.scenario import NewClient, Scenario


@dataclass(frozen=True)
class Played:
    scenario: Scenario
    client_id: str
    turns: list[Turn]
    verdict: Verdict

    @property
    def replies(self) -> list[str]:
        return [reply for turn in self.turns for reply in turn.replies]


def scenario_client(scenario: Scenario, uow: UnitOfWork) -> str:
    """Return the scenario's client id, registering a new client when the scenario names one."""
    if isinstance(scenario.client, NewClient):
        return register_client(
            uow=uow,
            actor=SYSTEM,
            name=scenario.client.name,
            phone=scenario.client.phone,
            email=scenario.client.email,
            idempotency_key=f"eval:{scenario.id}",
        ).id
    return scenario.client


def play(
    scenario: Scenario,
    *,
    uow: Callable[[], UnitOfWork],
    agent: ConversationAgent,
    conversation_id: str,
) -> Played:
    """Send every client turn, then judge the end state and the replies."""
    client_id = scenario_client(scenario, uow())
    before = before_playing(uow())
    turns = [
        agent.send(
            conversation_id=conversation_id,
            client_id=client_id,
            channel=scenario.channel,
            text=text,
        )
        for text in scenario.turns
    ]
    replies = [reply for turn in turns for reply in turn.replies]
    verdict = judge(
        scenario.expect,
        uow=uow(),
        client_id=client_id,
        conversation_id=conversation_id,
        replies=replies,
        before=before,
    )
    return Played(scenario=scenario, client_id=client_id, turns=turns, verdict=verdict)
