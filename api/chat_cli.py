"""`frontdesk chat`: talk to the agent in the terminal, against the local database."""

from __future__ import annotations

import argparse
import sys
from typing import TextIO

from api.bootstrap import bootstrap
from domain.clients.records import get_client
from domain.clients.registration import register_client
from domain.kernel.actors import SYSTEM
from domain.kernel.errors import NotFound

QUIT = {"quit", "exit", "bye"}


def run_chat(args: argparse.Namespace, stdin: TextIO = sys.stdin, out: TextIO = sys.stdout) -> int:
    """Read client lines until end of input or 'quit', printing the agent's replies."""
    frontdesk = bootstrap()
    if args.new:
        name, phone = args.new
        client = register_client(
            uow=frontdesk.uow(),
            actor=SYSTEM,
            name=name,
            phone=phone,
            idempotency_key=f"cli:{phone}",
        )
    else:
        try:
            client = get_client(uow=frontdesk.uow(), actor=SYSTEM, client_id=args.client)
        except NotFound:
            print(f"error: no client with id {args.client!r}", file=sys.stderr)
            return 2
    conversation = args.conversation or f"cli-{client.id}"
    with frontdesk.open_agent_and_knowledge() as agent:
        print(f"Chatting as {client.name} (conversation {conversation}); 'quit' ends.", file=out)
        for line in stdin:
            text = line.strip()
            if not text:
                continue
            if text.casefold() in QUIT:
                break
            print(f"you> {text}", file=out)
            turn = agent.send(
                conversation_id=conversation, client_id=client.id, channel="terminal", text=text
            )
            for reply in turn.replies:
                print(f"frontdesk> {reply}", file=out)
            if turn.question:
                print(f"           [{' / '.join(turn.question['options'])}]", file=out)
            out.flush()
    frontdesk.close()
    return 0
