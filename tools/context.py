"""What every tool needs: the caller's identity from the run config, and the services."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal, Protocol

from langchain_core.runnables import RunnableConfig

from domain.kernel.actors import Actor, client_actor
from domain.kernel.errors import DomainError
from domain.kernel.uow import UnitOfWork
from domain.models import Conversation


class FoundText(Protocol):
    @property
    def kind(self) -> str: ...
    @property
    def id(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def text(self) -> str: ...
    @property
    def score(self) -> float: ...


class TextSearch(Protocol):
    def search(
        self, query: str, k: int = 3, kind: Literal["knowledge", "service"] | None = None
    ) -> Sequence[FoundText]: ...


@dataclass(frozen=True)
class ToolDeps:
    """The services tools translate into; built once by the composition root."""

    uow: Callable[[], UnitOfWork]
    knowledge: TextSearch


@dataclass(frozen=True)
class Caller:
    """Who is talking: set by the channel in the run config, never by the model."""

    client_id: str | None
    conversation_id: str
    channel: str

    @property
    def actor(self) -> Actor:
        if self.client_id is None:
            raise DomainError(
                "I need to know who you are first: please tell me your name and your phone "
                "number or email."
            )
        return client_actor(self.client_id, self.channel)

    @property
    def visitor(self) -> Actor:
        """The caller as an actor even before they said who they are (for handing over)."""
        return Actor(kind="client", id=self.client_id, channel=self.channel)


def caller(config: RunnableConfig, uow: Callable[[], UnitOfWork] | None = None) -> Caller:
    """Read who is talking from the run config.

    A visitor who proved who they are during this turn is known to their conversation before
    the channel's config is: with `uow`, that link is read from the conversation itself.
    """
    configurable = config.get("configurable") or {}
    who = Caller(
        client_id=configurable.get("client_id"),
        conversation_id=str(configurable.get("conversation_id") or configurable.get("thread_id")),
        channel=str(configurable.get("channel", "web")),
    )
    if who.client_id is None and uow is not None:
        with uow().reading() as reader:
            conversation = reader.session.get(Conversation, who.conversation_id)
            if conversation is not None and conversation.client_id is not None:
                return replace(who, client_id=conversation.client_id)
    return who


def as_result(payload: Any) -> str:
    """Serialise a tool's answer for the model: compact, stable JSON."""
    return json.dumps(payload, ensure_ascii=False, default=str)


def refusal(error: DomainError) -> str:
    return as_result({"error": error.message, "code": error.code})
