"""`frontdesk eval SUITE_DIR`: the eval command, also run alone as `python -m evals SUITE_DIR`."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TypeAlias

from agent.models import model_settings
from domain.kernel.errors import DomainError

# argparse's type for what add_subparsers() returns; private in name only.
Commands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


def add_eval_command(commands: Commands) -> None:
    """Add `eval` to a command line's commands."""
    evaluate = commands.add_parser(
        "eval", help="play an eval suite's scenarios and judge them (evals/FORMAT.md)"
    )
    _eval_arguments(evaluate)


def main(argv: Sequence[str] | None = None) -> int:
    """Run `eval` on its own; return the process exit code."""
    parser = argparse.ArgumentParser(
        prog="python -m evals", description="Play an eval suite's scenarios and judge them."
    )
    _eval_arguments(parser)
    args = parser.parse_args(argv)
    try:
        code: int = args.run(args)
    except DomainError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 2
    return code


def _eval_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("suite", type=Path, metavar="SUITE_DIR")
    parser.add_argument(
        "--trials", type=_positive, default=1, metavar="K", help="play each scenario K times"
    )
    parser.add_argument(
        "--model",
        choices=["offline", "openai"],
        default="offline",
        help="the agent's model; openai reads OPENAI_API_KEY, OPENAI_BASE_URL, OPENAI_MODEL",
    )
    parser.add_argument("--json", type=Path, metavar="OUT.json", help="write every result")
    parser.add_argument("--report", type=Path, metavar="DIR", help="write an HTML report")
    parser.set_defaults(run=_eval)


def _positive(text: str) -> int:
    number = int(text)
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {number}")
    return number


def _eval(args: argparse.Namespace) -> int:
    # Imported here, not at the top: the agent's embedding stack takes seconds to import,
    # which the other commands of `frontdesk` should not pay.
    from evals.console import evaluate

    if not (args.suite / "world.yaml").is_file():
        print(f"error: {args.suite} has no world.yaml (is it a suite folder?)", file=sys.stderr)
        return 2
    model = model_settings({**os.environ, "FRONTDESK_MODEL": args.model})
    if model.kind == "openai" and not (model.openai_api_key or model.openai_base_url):
        print("error: --model openai needs OPENAI_API_KEY or OPENAI_BASE_URL", file=sys.stderr)
        return 2
    return evaluate(
        args.suite,
        model=model,
        trials=args.trials,
        json_out=args.json,
        report_dir=args.report,
        out=sys.stdout,
        err=sys.stderr,
    )
