"""The `frontdesk` command line."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeAlias

import uvicorn
from telegram.error import TelegramError

from api.bootstrap import Frontdesk, bootstrap
from api.settings import Settings
from api.worker import run_worker, worker_beside
from channels.telegram.registration import delete_webhook, set_webhook
from domain.kernel.actors import SYSTEM
from domain.kernel.db import OutdatedSchema
from domain.kernel.errors import DomainError
from domain.kernel.migrate import upgrade_schema
from domain.models import StaffRole
from domain.staff.accounts import create_staff
from domain.staff.passwords import set_password
from domain.world.files import DEMO_WORLD, load_world_file
from domain.world.loader import LoadedWorld, read_world

# argparse's type for what add_subparsers() returns; private in name only.
Commands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


def main(argv: Sequence[str] | None = None) -> int:
    """Run a frontdesk command; return the process exit code."""
    return run(parser(), argv)


def run(command_line: argparse.ArgumentParser, argv: Sequence[str] | None) -> int:
    """Parse `argv` with `command_line` and run the command it names; return the exit code."""
    args = command_line.parse_args(argv)
    if not hasattr(args, "run"):
        command_line.print_help()
        return 2
    try:
        code: int = args.run(args)
    except DomainError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 2
    except OutdatedSchema as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return code


def parser(*more: Callable[[Commands], None]) -> argparse.ArgumentParser:
    """The `frontdesk` command line; each of `more` adds commands of its own (as evals does)."""
    command_line = argparse.ArgumentParser(
        prog="frontdesk", description="Conversational booking for clinics and law offices."
    )
    commands = command_line.add_subparsers(title="commands", metavar="COMMAND")

    serve = commands.add_parser("serve", help="run the HTTP service (uvicorn)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument(
        "--demo",
        action="store_true",
        help="load the demo world first when the database has no providers",
    )
    serve.add_argument(
        "--with-worker",
        action="store_true",
        help="also run the notification worker (`frontdesk worker`) beside the server",
    )
    serve.set_defaults(run=_serve)

    worker = commands.add_parser("worker", help="deliver notifications and reminders")
    worker.add_argument("--once", action="store_true", help="make one pass, then exit")
    worker.add_argument(
        "--interval", type=float, default=2.0, metavar="SECONDS", help="rest between idle passes"
    )
    worker.add_argument(
        "--batch", type=int, default=20, metavar="N", help="notifications claimed at a time"
    )
    worker.set_defaults(run=_worker)

    db = commands.add_parser("db", help="database schema").add_subparsers(metavar="ACTION")
    db.add_parser("upgrade", help="apply migrations (create tables on SQLite)").set_defaults(
        run=_db_upgrade
    )

    world = commands.add_parser("world", help="load or check world files")
    world_actions = world.add_subparsers(metavar="ACTION")
    load = world_actions.add_parser("load", help="load a world.yaml into the database")
    load.add_argument("path", type=Path)
    load.add_argument(
        "--shift-to-today",
        action="store_true",
        help="move every date by whole weeks so the world's week is this week",
    )
    load.add_argument(
        "--if-empty", action="store_true", help="do nothing when the database already has providers"
    )
    load.set_defaults(run=_world_load)
    check = world_actions.add_parser("check", help="report every problem in a world.yaml")
    check.add_argument("path", type=Path)
    check.set_defaults(run=_world_check)

    admin = commands.add_parser("admin", help="staff accounts").add_subparsers(metavar="ACTION")
    create_user = admin.add_parser(
        "create-user",
        help="create a staff account (the password is read from stdin, or asked for)",
    )
    create_user.add_argument("--email", required=True)
    create_user.add_argument("--name", required=True)
    create_user.add_argument("--role", choices=[r.value for r in StaffRole], default="admin")
    create_user.add_argument("--provider", metavar="ID", help="the provider whose account it is")
    create_user.set_defaults(run=_create_user)
    reset_password = admin.add_parser(
        "reset-password",
        help="set a staff account's password and sign it out everywhere (password from stdin)",
    )
    reset_password.add_argument("--email", required=True)
    reset_password.set_defaults(run=_reset_password)

    chat = commands.add_parser("chat", help="chat with the agent in the terminal")
    who = chat.add_mutually_exclusive_group(required=True)
    who.add_argument("--client", metavar="ID", help="a known client's id")
    who.add_argument("--new", nargs=2, metavar=("NAME", "PHONE"), help="register a new client")
    chat.add_argument(
        "--conversation",
        metavar="ID",
        help="conversation to continue (default: the client's terminal one)",
    )
    chat.set_defaults(run=_chat)

    telegram = commands.add_parser("telegram", help="the Telegram bot's webhook")
    telegram_actions = telegram.add_subparsers(metavar="ACTION")
    set_webhook = telegram_actions.add_parser(
        "set-webhook", help="have Telegram send updates to URL (…/telegram/webhook)"
    )
    set_webhook.add_argument("url")
    set_webhook.add_argument(
        "--insecure", action="store_true", help="allow an http:// URL, for local testing"
    )
    set_webhook.set_defaults(run=_telegram_webhook)
    telegram_actions.add_parser(
        "delete-webhook", help="stop Telegram sending updates"
    ).set_defaults(run=_telegram_webhook, url=None)
    for add_commands in more:
        add_commands(commands)
    return command_line


def _telegram_webhook(args: argparse.Namespace) -> int:
    settings = Settings.from_env().telegram
    if settings is None:
        print("error: set FRONTDESK_TELEGRAM_TOKEN and _WEBHOOK_SECRET first", file=sys.stderr)
        return 2
    if args.url is None:
        done = asyncio.run(delete_webhook(token=settings.token, api_url=settings.api_url))
        print(f"webhook deleted: {done}")
        return 0
    if not args.url.startswith("https://") and not (
        args.insecure and args.url.startswith("http://")
    ):
        print("error: Telegram calls https:// URLs only (--insecure for http://)", file=sys.stderr)
        return 2
    try:
        done = asyncio.run(
            set_webhook(
                token=settings.token,
                api_url=settings.api_url,
                url=args.url,
                secret=settings.webhook_secret,
            )
        )
    except TelegramError as refused:
        print(f"error: Telegram refused: {refused.message}", file=sys.stderr)
        return 1
    print(f"webhook set to {args.url}: {done}")
    return 0


def _chat(args: argparse.Namespace) -> int:
    # Imported here, not at the top: the agent's embedding stack takes seconds to import,
    # which the other commands should not pay.
    from api.chat_cli import run_chat

    return run_chat(args)


def _read_password() -> str | None:
    """The password from the terminal (asked twice) or stdin; None when the two differ."""
    # A password never goes on the command line, where `ps` and the shell history see it.
    if sys.stdin.isatty():
        password = getpass.getpass("password: ")
        if getpass.getpass("again: ") != password:
            print("error: the passwords differ", file=sys.stderr)
            return None
        return password
    return sys.stdin.readline().rstrip("\n")


def _reset_password(args: argparse.Namespace) -> int:
    password = _read_password()
    if password is None:
        return 2
    frontdesk = bootstrap()
    user = set_password(uow=frontdesk.uow(), actor=SYSTEM, email=args.email, new_password=password)
    print(f"password set for {user.email}; every session of it has ended")
    return 0


def _create_user(args: argparse.Namespace) -> int:
    password = _read_password()
    if password is None:
        return 2
    frontdesk = bootstrap()
    user = create_staff(
        uow=frontdesk.uow(),
        actor=SYSTEM,
        email=args.email,
        name=args.name,
        role=StaffRole(args.role),
        password=password,
        provider_id=args.provider,
    )
    print(f"created {user.role} account {user.email}")
    return 0


def _db_upgrade(_: argparse.Namespace) -> int:
    frontdesk = bootstrap(migrate=False)
    upgrade_schema(frontdesk.engine)
    print(f"schema up to date at {frontdesk.engine.url.render_as_string(hide_password=True)}")
    return 0


def _world_check(args: argparse.Namespace) -> int:
    world = read_world(args.path)
    print(f"{args.path}: ok ({len(world.providers)} providers, {len(world.bookings)} bookings)")
    return 0


def _world_load(args: argparse.Namespace) -> int:
    frontdesk = bootstrap()
    loaded = _load(frontdesk, args.path, shift_to_today=args.shift_to_today, if_empty=args.if_empty)
    if loaded is None:
        print("database already has providers; nothing loaded")
    return 0


def _load(
    frontdesk: Frontdesk, path: Path, *, shift_to_today: bool, if_empty: bool
) -> LoadedWorld | None:
    loaded = load_world_file(
        uow=frontdesk.uow(), path=path, shift_to_today=shift_to_today, if_empty=if_empty
    )
    if loaded is not None:
        summary = ", ".join(f"{count} {name}" for name, count in loaded.counts.items())
        print(f"loaded {path}: {summary} (dates moved by {loaded.shift_days} days)")
    return loaded


def _worker(args: argparse.Namespace) -> int:
    if args.interval <= 0 or args.batch < 1:
        print("error: --interval must be above 0 and --batch at least 1", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.INFO, format="%(levelname)s:     %(name)s: %(message)s")
    return run_worker(bootstrap(), once=args.once, interval=args.interval, batch=args.batch)


def _serve(args: argparse.Namespace) -> int:
    # Imported here: the agent's embedding stack takes seconds to import (see _chat).
    from api.app import create_app
    from api.body_limits import WEBSOCKET_MAX_BYTES
    from api.demo import DEMO_PASSWORD, create_demo_staff
    from api.heap import settle_heap

    logging.basicConfig(level=logging.INFO, format="%(levelname)s:     %(name)s: %(message)s")
    frontdesk = bootstrap()
    if args.demo:
        _load(frontdesk, DEMO_WORLD, shift_to_today=True, if_empty=True)
        made = create_demo_staff(frontdesk)
        if made:
            print(f"demo console accounts (password {DEMO_PASSWORD!r}): {', '.join(made)}")
    print(f"Frontdesk on http://{args.host}:{args.port}/ (data in {frontdesk.settings.data_dir})")
    app = create_app(frontdesk)
    _import_agent_stack()
    settle_heap()
    # Started once the demo world is in: its reminders are computed from the bookings.
    with worker_beside(args.with_worker):
        uvicorn.run(
            app,
            host=args.host,
            port=args.port,
            log_level="info",
            ws_max_size=WEBSOCKET_MAX_BYTES,
        )
    return 0


def _import_agent_stack() -> None:
    """Import what the app's start-up imports (the agent, the knowledge index), so that
    settle_heap freezes their modules' objects too."""
    import agent.graph  # noqa: F401
    import knowledge.index  # noqa: F401


if __name__ == "__main__":
    sys.exit(main())
