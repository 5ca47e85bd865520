"""The eval runner on the OpenAI-compatible path (respx speaks the wire format): tokens per
conversation, and a `user_goal` scenario played by a simulated client until it stops."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from agent.models import ModelSettings
from evals.results import Tokens
from evals.runner import run_suite
from evals.simulated import STOP
from evals.suite import read_whole_suite
from knowledge.embeddings import MiniLMEmbedder
from testkit.openai_script import (
    BASE_URL,
    ScriptedLLM,
    calls,
    completion,
    openai_settings,
    scripted_server,
    tool_call,
)
from tests.support.eval_suites import sample_world_suite

FAQ_EXPECT = 'expect: {handoff: false, replies_contain: ["24 hours"], bookings: [' + (
    '{service: gp-visit, provider: dr-keller, start: "2026-03-04T08:40"}]}\n'
)
ANSWER = "You can cancel free of charge up to 24 hours before your appointment."


class TwoParties:
    """Answers the agent's requests (they carry tools) and the simulated client's apart."""

    def __init__(self, agent: ScriptedLLM, client: ScriptedLLM) -> None:
        self.agent = agent
        self.client = client

    def __call__(self, request: httpx.Request) -> httpx.Response:
        body: dict[str, Any] = json.loads(request.content)
        return self.agent(request) if body.get("tools") else self.client(request)


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client() as client:
        yield client


def faq_answer() -> list[Any]:
    search = tool_call("search_knowledge", {"query": "cancellation without paying"})
    return [
        calls(search, prompt_tokens=1200, completion_tokens=15),
        completion(ANSWER, prompt_tokens=1500, completion_tokens=25),
    ]


def test_tokens_are_counted_per_conversation(
    tmp_path: Path, embedder: MiniLMEmbedder, http: httpx.Client
) -> None:
    turns = 'turns: ["How late can I cancel an appointment without paying?"]\n'
    agent = ScriptedLLM(faq_answer())
    with scripted_server(agent, BASE_URL):
        run = run_suite(
            read_whole_suite(
                sample_world_suite(tmp_path, {"faq": f"id: faq\nclient: ana\n{turns}{FAQ_EXPECT}"})
            ),
            model=openai_settings(),
            embedder=embedder,
            http_client=http,
        )
    [faq] = run.scenarios
    assert faq.passed, faq.first_problem
    assert faq.trials[0].tokens == Tokens(input=2700, output=40)
    assert run.model == "openai:gpt-4o-mini"
    steps = faq.trials[0].steps
    assert [s.tool["name"] for s in steps if s.tool] == ["search_knowledge"]
    assert steps[-1].text == ANSWER
    assert agent.unused == 0


def test_a_simulated_client_pursues_the_goal_until_it_stops(
    tmp_path: Path, embedder: MiniLMEmbedder, http: httpx.Client
) -> None:
    goal = "You want to know how late you can cancel an appointment for free. Then say thanks."
    scenario = f"id: goal\nclient: ana\nuser_goal: {goal}\nmax_turns: 5\n{FAQ_EXPECT}"
    agent = ScriptedLLM([*faq_answer(), completion("You're welcome, Ana!")])
    client = ScriptedLLM(
        [
            completion("How late can I cancel for free?", prompt_tokens=300, completion_tokens=9),
            completion(f"Thanks! {STOP}", prompt_tokens=340, completion_tokens=5),
        ]
    )
    with scripted_server(TwoParties(agent, client), BASE_URL):  # type: ignore[arg-type]
        run = run_suite(
            read_whole_suite(sample_world_suite(tmp_path, {"goal": scenario})),
            model=openai_settings(),
            embedder=embedder,
            http_client=http,
        )
    [played] = run.scenarios
    assert played.passed, played.first_problem
    said = [s.text for s in played.trials[0].steps if s.author == "client"]
    assert said == ["How late can I cancel for free?", "Thanks!"]  # ended at the stop token
    assert played.trials[0].client_tokens == Tokens(input=640, output=14)
    assert goal in client.requests[0]["messages"][0]["content"]  # hidden from the agent:
    assert not any(goal in json.dumps(body) for body in agent.requests)
    assert agent.unused == 0
    assert client.unused == 0


def test_a_simulated_client_is_stopped_at_the_turn_limit(
    tmp_path: Path, embedder: MiniLMEmbedder, http: httpx.Client
) -> None:
    scenario = f"id: chatty\nclient: ana\nuser_goal: Keep asking.\nmax_turns: 2\n{FAQ_EXPECT}"
    agent = ScriptedLLM([*faq_answer(), completion("Anything else?")])
    client = ScriptedLLM(
        [completion("How late can I cancel?"), completion("And again?"), completion("More?")]
    )
    with scripted_server(TwoParties(agent, client), BASE_URL):  # type: ignore[arg-type]
        run = run_suite(
            read_whole_suite(sample_world_suite(tmp_path, {"chatty": scenario})),
            model=openai_settings(),
            embedder=embedder,
            http_client=http,
        )
    said = [s.text for s in run.scenarios[0].trials[0].steps if s.author == "client"]
    assert said == ["How late can I cancel?", "And again?"]


def test_a_failing_model_fails_the_trial_and_the_run_goes_on(
    tmp_path: Path, embedder: MiniLMEmbedder, http: httpx.Client
) -> None:
    turns = 'turns: ["How late can I cancel an appointment without paying?"]\n'
    broken = ScriptedLLM([httpx.Response(500, json={"error": {"message": "down"}})] * 10)
    scenarios = {"a-faq": f"id: a-faq\nclient: ana\n{turns}{FAQ_EXPECT}"}
    with scripted_server(broken, BASE_URL):
        run = run_suite(
            read_whole_suite(sample_world_suite(tmp_path, scenarios)),
            model=ModelSettings(**{**openai_settings().__dict__, "max_retries": 0}),
            embedder=embedder,
            http_client=http,
        )
    [faq] = run.scenarios
    assert not faq.passed
    # Judged as a failure of the model, not by the expectations (an apology can meet some).
    assert faq.first_problem == "the model failed to answer 1 time(s)"
    # The client was told, politely, instead of a stack trace.
    replies = [s.text for s in faq.trials[0].steps if s.author in ("agent", "system")]
    assert replies
    assert "Traceback" not in " ".join(replies)
