"""`frontdesk keys`: the document keys sealing client data at rest, and their rotation."""

from __future__ import annotations

import argparse
import sys

from agent.checkpoint import rotate_checkpoints
from api.bootstrap import bootstrap
from api.cli import Commands
from domain.documents.key_rotation import BATCH, rotate_sealed_values


def add_keys_command(commands: Commands) -> None:
    """Add `keys rotate` and `keys show` to a command line's commands."""
    keys = commands.add_parser("keys", help="the document keys").add_subparsers(metavar="ACTION")
    rotate = keys.add_parser(
        "rotate",
        help="re-seal with FRONTDESK_DOCUMENT_KEY what FRONTDESK_RETIRED_DOCUMENT_KEYS sealed",
    )
    rotate.add_argument("--batch", type=int, default=BATCH, help="rows per transaction")
    rotate.set_defaults(run=_rotate)
    keys.add_parser("show", help="print the key ids: current and retired").set_defaults(run=_show)


def _show(_: argparse.Namespace) -> int:
    keyring = bootstrap(migrate=False).keyring
    print(f"current {keyring.current_id}")
    for key in keyring.retired:
        print(f"retired {key.key_id}")
    return 0


def _rotate(args: argparse.Namespace) -> int:
    frontdesk = bootstrap()
    keyring = frontdesk.keyring
    if args.batch < 1:
        print("error: --batch must be at least 1", file=sys.stderr)
        return 2
    rotated = rotate_sealed_values(frontdesk.engine, keyring, batch=args.batch)
    for where, count in sorted(rotated.counts.items()):
        print(f"{where}: {count} re-sealed")
    settings = frontdesk.settings
    checkpoints = rotate_checkpoints(
        settings.database_url, settings.data_dir, keyring, batch=args.batch
    )
    print(f"checkpoints: {checkpoints} re-sealed")
    print(
        f"everything is sealed with key {keyring.current_id}; "
        "FRONTDESK_RETIRED_DOCUMENT_KEYS may now be emptied"
    )
    frontdesk.close()
    return 0
