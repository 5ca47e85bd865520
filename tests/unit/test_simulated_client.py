"""The simulated client of `user_goal` scenarios against a scripted OpenAI server (respx).

The real ChatOpenAI class writes the client's messages: the goal travels in the system prompt,
the roles are flipped (the assistant's replies go as `user` messages), the stop token and empty
answers end the chat, tokens add up, and a failing server raises.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import openai
import pytest

from agent.models import ModelSettings, chat_model
from evals.results import Tokens
from evals.simulated import STOP, SimulatedClient
from testkit.openai_script import (
    BASE_URL,
    Json,
    ScriptedLLM,
    completion,
    error,
    scripted_server,
)

GOAL = "Book a dermatology consultation next Tuesday afternoon, at 14:00 or later."


@pytest.fixture
def llm() -> Iterator[ScriptedLLM]:
    script = ScriptedLLM()
    with scripted_server(script):
        yield script


@pytest.fixture
def http_client() -> Iterator[httpx.Client]:
    # The SDK's own client is not one respx sees; a plain httpx client is.
    with httpx.Client() as client:
        yield client


def simulated_client(
    http_client: httpx.Client, *, max_retries: int = 0, facts: dict[str, str] | None = None
) -> SimulatedClient:
    settings = ModelSettings(
        kind="openai", openai_base_url=BASE_URL, openai_api_key="test", max_retries=max_retries
    )
    model = chat_model(settings, http_client=http_client)
    return SimulatedClient(model, goal=GOAL, name="Ana Silva", facts=facts)


def roles(body: Json) -> list[str]:
    return [message["role"] for message in body["messages"]]


class TestWhatTheModelIsSent:
    def test_the_first_request_carries_the_goal_name_and_facts_in_the_system_message(
        self, llm: ScriptedLLM, http_client: httpx.Client
    ) -> None:
        llm.add(completion("Hi, I'd like to see a dermatologist."))
        client = simulated_client(http_client, facts={"phone": "+4915112345678"})

        assert client.first_message() == "Hi, I'd like to see a dermatologist."

        (body,) = llm.requests
        assert roles(body) == ["system", "user"]
        system = body["messages"][0]["content"]
        assert GOAL in system
        assert "Ana Silva" in system
        assert "+4915112345678" in system
        assert STOP in system
        assert body["temperature"] == 0

    def test_the_assistant_replies_go_as_user_messages_and_the_clients_own_as_assistant(
        self, llm: ScriptedLLM, http_client: httpx.Client
    ) -> None:
        llm.add(completion("Hi, I'd like to see a dermatologist."), completion("14:30, please."))
        client = simulated_client(http_client)
        client.first_message()

        answer = client.next_message(["Dr. Weber is free on Tuesday.", "13:00, 14:00 or 14:30?"])

        assert answer == "14:30, please."
        body = llm.requests[1]
        assert roles(body) == ["system", "user", "assistant", "user"]
        assert body["messages"][2]["content"] == "Hi, I'd like to see a dermatologist."
        last = body["messages"][3]["content"]
        assert "Dr. Weber is free on Tuesday." in last
        assert "13:00, 14:00 or 14:30?" in last
        said_by_assistant_role = [
            m["content"] for m in body["messages"] if m["role"] == "assistant"
        ]
        assert not any("Dr. Weber" in text for text in said_by_assistant_role)

    def test_a_turn_without_replies_still_alternates_the_roles(
        self, llm: ScriptedLLM, http_client: httpx.Client
    ) -> None:
        llm.add(completion("Hello?"), completion("Is anyone there?"))
        client = simulated_client(http_client)
        client.first_message()

        client.next_message([])

        assert roles(llm.requests[1]) == ["system", "user", "assistant", "user"]
        assert llm.requests[1]["messages"][3]["content"].strip()


class TestEndingTheConversation:
    def test_the_stop_token_alone_ends_it(
        self, llm: ScriptedLLM, http_client: httpx.Client
    ) -> None:
        llm.add(completion("Hi, I'd like to see a dermatologist."), completion(STOP))
        client = simulated_client(http_client)
        client.first_message()

        assert client.next_message(["You are booked for Tuesday at 14:30."]) is None
        assert client.finished

    def test_text_before_the_stop_token_is_sent_and_then_the_client_stops_unasked(
        self, llm: ScriptedLLM, http_client: httpx.Client
    ) -> None:
        llm.add(
            completion("Hi, I'd like to see a dermatologist."),
            completion(f"Yes, please book it. {STOP} (goal reached)"),
        )
        client = simulated_client(http_client)
        client.first_message()

        assert client.next_message(["Shall I book Tuesday 14:30?"]) == "Yes, please book it."
        assert client.finished
        assert client.next_message(["Booked! See you on Tuesday."]) is None
        assert len(llm.requests) == 2

    @pytest.mark.parametrize("content", [None, "", "  \n "])
    def test_an_empty_answer_stops(
        self, llm: ScriptedLLM, http_client: httpx.Client, content: str | None
    ) -> None:
        llm.add(completion("Hi, I'd like to see a dermatologist."), completion(content))
        client = simulated_client(http_client)
        client.first_message()

        assert client.next_message(["Which day suits you?"]) is None
        assert client.finished
        assert client.next_message(["Hello?"]) is None
        assert len(llm.requests) == 2

    def test_a_stop_as_the_first_answer_sends_nothing(
        self, llm: ScriptedLLM, http_client: httpx.Client
    ) -> None:
        llm.add(completion(STOP))
        client = simulated_client(http_client)

        assert client.first_message() is None
        assert client.finished


class TestCostAndFailure:
    def test_tokens_add_up_over_the_calls(
        self, llm: ScriptedLLM, http_client: httpx.Client
    ) -> None:
        llm.add(
            completion(
                "Hi, I'd like to see a dermatologist.", prompt_tokens=310, completion_tokens=12
            ),
            completion("14:30, please.", prompt_tokens=455, completion_tokens=7),
            completion(STOP, prompt_tokens=520, completion_tokens=4),
        )
        client = simulated_client(http_client)
        assert client.tokens == Tokens(input=0, output=0)

        client.first_message()
        client.next_message(["Tuesday at 13:00 or 14:30?"])
        client.next_message(["Booked for 14:30."])

        assert client.tokens == Tokens(input=310 + 455 + 520, output=12 + 7 + 4)

    def test_a_server_error_after_the_retries_raises(
        self, llm: ScriptedLLM, http_client: httpx.Client
    ) -> None:
        llm.add(error(500), error(500))
        client = simulated_client(http_client, max_retries=1)

        with pytest.raises(openai.InternalServerError):
            client.first_message()
        assert len(llm.requests) == 2
