"""Scenario files (FORMAT.md): the client, their turns, and what must hold at the end."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from domain.kernel.errors import WorldError


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class NewClient(Strict):
    name: str
    phone: str | None = None
    email: str | None = None


class ExpectedBooking(Strict):
    service: str
    provider: str
    start: str  # local wall time in the provider's zone, YYYY-MM-DDTHH:MM


class Expect(Strict):
    bookings: list[ExpectedBooking] | None = None
    document_requests: list[str] | None = None
    forms: list[str] | None = None
    handoff: bool | None = None
    profile: dict[str, str] | None = None
    others_unchanged: bool | None = None
    replies_contain: list[str] | None = None
    replies_exclude: list[str] | None = None
    # Every agent reply is in this language (detected); times, numbers and names alone pass.
    reply_language: Literal["en", "de", "ru"] | None = None


class Scenario(Strict):
    id: str
    description: str = ""
    # For the report's per-category results; not in FORMAT.md, so a suite may leave it out.
    category: str = "general"
    client: str | NewClient
    channel: Literal["web", "telegram", "sms"] = "web"
    # The client's messages, or (for a real model) a hidden goal a simulated client pursues.
    turns: list[str] = []
    user_goal: str | None = None
    max_turns: int = Field(default=12, ge=1, le=50)
    expect: Expect

    @model_validator(mode="after")
    def _turns_or_goal(self) -> Scenario:
        if bool(self.turns) == bool(self.user_goal):
            raise ValueError("give either turns or user_goal (one of them, not both)")
        return self


def read_scenario(path: Path) -> Scenario:
    """Parse one scenario file; a bad one is refused naming the file and the key."""
    try:
        raw: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
        return Scenario.model_validate(raw)
    except yaml.YAMLError as exc:
        raise WorldError(str(path), [("(file)", f"not valid YAML: {exc}")]) from exc
    except ValidationError as exc:
        problems = [
            (".".join(str(p) for p in e["loc"]) or "(file)", e["msg"]) for e in exc.errors()
        ]
        raise WorldError(str(path), problems) from exc


def read_suite(suite: Path) -> list[Scenario]:
    return [read_scenario(path) for path in sorted((suite / "scenarios").glob("*.yaml"))]
