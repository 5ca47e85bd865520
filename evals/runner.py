"""Running a suite: every scenario and trial in a fresh database, through the hub, judged."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

import httpx
from langchain_core.messages import AIMessage, BaseMessage

from agent.graph import fell_back
from agent.models import ModelSettings, chat_model
from agent.runner import ConversationAgent
from channels.bus import EventBus
from channels.hub import Hub
from domain.clients.records import get_client
from domain.kernel.actors import SYSTEM
from domain.kernel.uow import UnitOfWork
from evals.channel_play import ChannelClient, channel_address, recording_outlets
from evals.judge import before_playing, judge
from evals.play import scenario_client
from evals.results import ScenarioResult, Step, SuiteRun, Tokens, Trial
from evals.scenario import Scenario
from evals.simulated import SimulatedClient
from evals.suite import Suite, refuse_goals_without_model
from evals.worlds import WorldCopies
from knowledge.embeddings import MiniLMEmbedder

SPEAKERS = ("agent", "staff", "system")  # whose steps are the replies a scenario is judged on


# Hears (scenario index, trial index) before a trial starts, and each scenario's result.
TrialStarted = Callable[[int, int], None]
ScenarioDone = Callable[[ScenarioResult], None]


def run_suite(
    suite: Suite,
    *,
    model: ModelSettings,
    trials: int = 1,
    embedder: MiniLMEmbedder | None = None,
    on_trial: TrialStarted | None = None,
    on_scenario: ScenarioDone | None = None,
    http_client: httpx.Client | None = None,
) -> SuiteRun:
    """Play every scenario `trials` times, each in a fresh database, and judge each trial.

    `http_client` replaces the OpenAI SDK's own for both models (the agent's and a simulated
    client's): a proxy, or the tests' scripted server.
    """
    refuse_goals_without_model(suite, model.kind)
    if embedder is None:
        embedder = MiniLMEmbedder()
        embedder.load()
    started = datetime.now().astimezone().isoformat(timespec="seconds")
    results = []
    with WorldCopies(suite.world, base_dir=suite.path, embedder=embedder) as world:
        for number, scenario in enumerate(suite.scenarios):
            played = []
            for index in range(trials):
                if on_trial is not None:
                    on_trial(number, index)
                played.append(_trial(world, scenario, index, model=model, http=http_client))
            result = ScenarioResult(
                id=scenario.id,
                description=scenario.description,
                category=scenario.category,
                channel=scenario.channel,
                trials=played,
            )
            if on_scenario is not None:
                on_scenario(result)
            results.append(result)
    return SuiteRun(
        suite=suite.path.name,
        model=model.kind if model.kind == "offline" else f"openai:{model.openai_model}",
        trials=trials,
        started_at=started,
        scenarios=results,
    )


def _trial(
    world: WorldCopies,
    scenario: Scenario,
    index: int,
    *,
    model: ModelSettings,
    http: httpx.Client | None,
) -> Trial:
    began = time.perf_counter()
    with world.fresh() as uow:
        agent = world.agent(uow, model, http)
        conversation = _Conversation(scenario, index, uow=uow, agent=agent, model=model, http=http)
        trial = asyncio.run(conversation.play())
    return replace(trial, seconds=round(time.perf_counter() - began, 3))


class _Conversation:
    """One trial of a scenario: its client on its channel, then the verdict."""

    def __init__(
        self,
        scenario: Scenario,
        index: int,
        *,
        uow: Callable[[], UnitOfWork],
        agent: ConversationAgent,
        model: ModelSettings,
        http: httpx.Client | None,
    ) -> None:
        self.scenario = scenario
        self.http = http
        self.index = index
        self.uow = uow
        self.agent = agent
        self.model = model
        self.steps: list[Step] = []
        self.simulated_tokens: Tokens | None = None

    async def play(self) -> Trial:
        scenario = self.scenario
        outlets = recording_outlets()
        hub = Hub(
            agent=self.agent,
            uow=self.uow,
            bus=EventBus(),
            form_url=lambda form_id: f"/forms/{form_id}",  # as the app links, from its root
            outlets=outlets,
        )
        client_id = scenario_client(scenario, self.uow())
        address = channel_address(
            self.uow(),
            channel=scenario.channel,
            client_id=client_id,
            label=f"{scenario.id}-{self.index}",
        )
        before = before_playing(self.uow())
        client = ChannelClient(
            hub=hub,
            uow=self.uow,
            channel=scenario.channel,
            address=address,
            outlets=outlets,
        )
        try:
            if scenario.user_goal is not None:
                await self._pursue(client, scenario.user_goal, client_id)
            else:
                for text in scenario.turns:
                    self.steps += await client.say(text)
        except Exception as exc:  # a model or server error: this trial fails, the run goes on
            return self._failed(f"error while playing: {type(exc).__name__}: {exc}")
        failed_calls = self._fallbacks(client.conversation_id)
        if failed_calls:
            # The apology may even satisfy a refusal scenario: a model that did not answer fails.
            return self._failed(f"the model failed to answer {failed_calls} time(s)")
        verdict = judge(
            scenario.expect,
            uow=self.uow(),
            client_id=client_id,
            conversation_id=client.conversation_id or "",
            replies=[s.shown for s in self.steps if s.author in SPEAKERS],
            before=before,
        )
        return Trial(
            index=self.index,
            passed=verdict.passed,
            problem=verdict.problem,
            steps=self.steps,
            seconds=0.0,
            tokens=self._tokens(client.conversation_id),
            client_tokens=self.simulated_tokens,
        )

    async def _pursue(self, client: ChannelClient, goal: str, client_id: str) -> None:
        """Let a simulated client (the configured model) chase the goal, as τ-bench does."""
        known = get_client(uow=self.uow(), actor=SYSTEM, client_id=client_id)
        facts = {"phone": known.phone or "", "email": known.email or "", **known.profile}
        simulated = SimulatedClient(
            chat_model(self.model, http_client=self.http),
            goal=goal,
            name=known.name,
            facts={k: v for k, v in facts.items() if v},
        )
        text = simulated.first_message()
        for _ in range(self.scenario.max_turns):
            if text is None:
                break
            said = await client.say(text)
            self.steps += said
            text = simulated.next_message([s.shown for s in said if s.author in SPEAKERS])
        self.simulated_tokens = simulated.tokens

    def _failed(self, problem: str) -> Trial:
        return Trial(self.index, passed=False, problem=problem, steps=self.steps, seconds=0.0)

    def _messages(self, conversation_id: str | None) -> list[BaseMessage]:
        if conversation_id is None:
            return []
        state = self.agent.graph.get_state({"configurable": {"thread_id": conversation_id}})
        return list(state.values.get("messages", []))

    def _fallbacks(self, conversation_id: str | None) -> int:
        return sum(fell_back(m) for m in self._messages(conversation_id))

    def _tokens(self, conversation_id: str | None) -> Tokens | None:
        """What the agent's model was sent and answered (only a real model reports usage)."""
        if self.model.kind == "offline" or conversation_id is None:
            return None
        used = [
            m.usage_metadata
            for m in self._messages(conversation_id)
            if isinstance(m, AIMessage) and m.usage_metadata
        ]
        return Tokens(
            input=sum(u["input_tokens"] for u in used),
            output=sum(u["output_tokens"] for u in used),
        )
