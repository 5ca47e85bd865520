"""What another process's signals mean here: read the rows they name, publish them locally."""

from __future__ import annotations

from anyio import to_thread

from channels.bus import CONSOLE, conversation_topic
from channels.hub import Hub
from channels.presenting import entry_json
from channels.relay import Signal
from domain.conversations.listing import get_conversation
from domain.conversations.transcripts import find_entry
from domain.kernel.errors import NotFound


def hear_other_processes(hub: Hub) -> None:
    """Pass on to this process's sockets what the hub of another process published."""

    def followed(signal: Signal) -> bool:
        # Most conversations have no socket in this process: nothing to read for them.
        return hub.bus.has_listeners(conversation_topic(str(signal["c"])))

    async def entry(signal: Signal) -> None:
        if not followed(signal):
            return
        found = await to_thread.run_sync(
            lambda: find_entry(uow=hub.uow(), entry_id=int(signal["e"]))
        )
        if found is not None and found.conversation_id == signal["c"]:
            hub.publish_entry(found.conversation_id, entry_json(found), announce=False)

    async def summary(signal: Signal) -> None:
        if not hub.bus.has_listeners(CONSOLE):
            return
        try:
            await hub.publish_summary(str(signal["c"]), announce=False)
        except NotFound:
            return

    async def status(signal: Signal) -> None:
        if not followed(signal):
            return
        conversation = await to_thread.run_sync(
            lambda: get_conversation(uow=hub.uow(), conversation_id=str(signal["c"]))
        )
        await hub.publish_status(conversation, announce=False)

    async def typing(signal: Signal) -> None:
        hub.publish_typing(str(signal["c"]), on=bool(signal["on"]), announce=False)

    hub.relay.handle("entry", entry)
    hub.relay.handle("summary", summary)
    hub.relay.handle("status", status)
    hub.relay.handle("typing", typing)
