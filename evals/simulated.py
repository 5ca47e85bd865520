"""A simulated client: a second model plays the client of a `user_goal` scenario, as in τ-bench.

The model gets the hidden goal in its system prompt and the chat so far with the roles flipped —
its own (the client's) messages as AI messages, the booking assistant's replies as human
messages — and writes the client's next message. It ends the chat with `STOP`.

A message with text before `STOP` ("Yes, please book it. ###STOP###") still sends that text:
dropping it could lose a confirmation the goal depends on. The client is then finished, and the
next call returns None without asking the model again. Text after `STOP` is never sent.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage

from evals.results import Tokens
from prompts import render

STOP = "###STOP###"
# τ-bench opens the simulated user's side with the agent's greeting, so the first request already
# ends in a human message, as every chat template expects.
OPENING = "Hi! How can I help you today?"
# Two client messages in a row would confuse the model about whose turn it is.
NO_REPLY = "(The assistant sent no reply.)"


class SimulatedClient:
    """The client's side of one conversation, written by `model` in pursuit of `goal`."""

    def __init__(
        self,
        model: BaseChatModel,
        *,
        goal: str,
        name: str,
        facts: Mapping[str, str] | None = None,
    ) -> None:
        self._model = model
        system = render(
            "simulated_client", name=name, goal=goal, facts=dict(facts or {}), stop=STOP
        )
        self._messages: list[BaseMessage] = [SystemMessage(system), HumanMessage(OPENING)]
        self._finished = False
        self._input_tokens = 0
        self._output_tokens = 0

    @property
    def finished(self) -> bool:
        """True once the client has stopped; every later call returns None."""
        return self._finished

    @property
    def tokens(self) -> Tokens:
        """What the client's model was sent and answered so far, summed over its calls."""
        return Tokens(input=self._input_tokens, output=self._output_tokens)

    def first_message(self) -> str | None:
        """Write the client's opening message; None if the model stops at once."""
        return self._next()

    def next_message(self, agent_replies: Sequence[str]) -> str | None:
        """Answer the assistant's replies to the last message; None means the client stops."""
        if self._finished:
            return None
        said = "\n\n".join(reply for reply in agent_replies if reply.strip())
        self._messages.append(HumanMessage(said or NO_REPLY))
        return self._next()

    def _next(self) -> str | None:
        answer = self._model.invoke(self._messages)
        self._count(answer)
        text, stop, _ = answer.text.partition(STOP)
        text = text.strip()
        # An empty answer stops too, so a broken model cannot keep the chat going with nothing.
        self._finished = bool(stop) or not text
        if not text:
            return None
        self._messages.append(AIMessage(text))
        return text

    def _count(self, answer: BaseMessage) -> None:
        usage = answer.usage_metadata if isinstance(answer, AIMessage) else None
        if usage:
            self._input_tokens += usage["input_tokens"]
            self._output_tokens += usage["output_tokens"]
