"""`frontdesk`: serve, worker, db, world, admin, chat and telegram from api; eval from evals."""

from __future__ import annotations

from collections.abc import Sequence

from api.cli import parser, run
from evals.cli import add_eval_command


def main(argv: Sequence[str] | None = None) -> int:
    """Run a frontdesk command; return the process exit code."""
    return run(parser(add_eval_command), argv)
