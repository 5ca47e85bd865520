"""`frontdesk`: serve, worker, db, world, admin, chat, telegram, keys (api); eval (evals)."""

from __future__ import annotations

from collections.abc import Sequence

from api.cli import parser, run
from api.keys_cli import add_keys_command
from evals.cli import add_eval_command


def main(argv: Sequence[str] | None = None) -> int:
    """Run a frontdesk command; return the process exit code."""
    return run(parser(add_eval_command, add_keys_command), argv)
