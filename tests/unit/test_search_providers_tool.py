"""search_providers: a need keeps the services that fit it; with a name given, it orders them."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from langchain_core.messages import ToolCall
from langchain_core.tools import BaseTool

from domain.kernel.uow import UnitOfWork
from domain.world.loader import load_world, read_world
from tests.conftest import SAMPLE_WORLD
from tools import make_tools
from tools.context import FoundText, RunContext, ToolDeps, invoke_tool


@dataclass(frozen=True)
class Hit:
    kind: str
    id: str
    title: str
    text: str
    score: float


class ServicesByMeaning:
    """The knowledge index's answer for the one need these tests ask about."""

    def search(self, query: str, k: int = 3, kind: Any = None) -> Sequence[FoundText]:
        if "deed" not in query:
            return []
        return [Hit("service", "notary-deed", "Notarial deed appointment", "", 0.6)]


@pytest.fixture
def tools(uow: UnitOfWork, tmp_path: Path) -> dict[str, BaseTool]:
    # The notary offers a deed appointment too, which the catalog lists second.
    world = yaml.safe_load(SAMPLE_WORLD.read_text())
    deed = {**world["services"][-1], "id": "notary-deed", "name": "Notarial deed appointment"}
    world["services"].append(deed)
    notary = next(p for p in world["providers"] if p["id"] == "notary-marin")
    notary["services"] = ["notary-deed", "notary-certification"]
    path = tmp_path / "world.yaml"
    path.write_text(yaml.safe_dump(world))
    load_world(uow=uow, world=read_world(path), base_dir=SAMPLE_WORLD.parent, source=str(path))
    deps = ToolDeps(uow=lambda: UnitOfWork(uow.engine, uow.clock), knowledge=ServicesByMeaning())
    return {tool.name: tool for tool in make_tools(deps)}


def search(tools: dict[str, BaseTool], **args: str) -> list[dict[str, Any]]:
    context = RunContext(client_id=None, conversation_id="c-1", channel="web")
    call = ToolCall(name="search_providers", args=args, id="call-1")
    found: list[dict[str, Any]] = json.loads(
        invoke_tool(tools["search_providers"], call, context).text
    )
    return found


def service_ids(provider: dict[str, Any]) -> list[str]:
    return [service["service_id"] for service in provider["services"]]


def test_a_need_with_a_provider_named_puts_the_fitting_service_first(
    tools: dict[str, BaseTool],
) -> None:
    (notary,) = search(tools, provider_name="Marin", need="sign a deed for my flat")
    assert service_ids(notary) == ["notary-deed", "notary-certification"]


def test_a_provider_named_without_a_need_lists_their_services_as_the_catalog_does(
    tools: dict[str, BaseTool],
) -> None:
    (notary,) = search(tools, provider_name="Marin")
    assert service_ids(notary) == ["notary-certification", "notary-deed"]


def test_a_need_that_fits_none_of_the_named_providers_services_still_finds_them(
    tools: dict[str, BaseTool],
) -> None:
    (notary,) = search(tools, provider_name="Marin", need="a haircut")
    assert set(service_ids(notary)) == {"notary-deed", "notary-certification"}


def test_a_need_alone_keeps_only_the_services_that_fit(tools: dict[str, BaseTool]) -> None:
    (notary,) = search(tools, need="a deed")
    assert service_ids(notary) == ["notary-deed"]
    assert search(tools, need="a haircut") == []
