"""The `frontdesk` command joins the service's commands (api) and the eval command (evals),
while api itself knows nothing of evals."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from api.cli import parser
from evals.cli import add_eval_command
from evals.cli import main as eval_main
from frontdesk.cli import main

SERVICE_COMMANDS = {"serve", "worker", "db", "world", "admin", "chat", "telegram"}


def commands_of(command_line: argparse.ArgumentParser) -> set[str]:
    found = [a for a in command_line._actions if isinstance(a, argparse._SubParsersAction)]
    return set(found[0].choices)


def test_frontdesk_offers_the_service_commands_and_eval() -> None:
    assert commands_of(parser(add_eval_command)) == {*SERVICE_COMMANDS, "eval"}


def test_the_service_command_line_alone_has_no_eval() -> None:
    assert commands_of(parser()) == SERVICE_COMMANDS


def test_frontdesk_eval_refuses_a_folder_without_a_world(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["eval", str(tmp_path)]) == 2
    assert "has no world.yaml" in capsys.readouterr().err


def test_the_eval_command_runs_alone_too(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert eval_main([str(tmp_path), "--trials", "2"]) == 2
    assert "has no world.yaml" in capsys.readouterr().err
