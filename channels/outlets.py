"""How the hub reaches clients on channels that are not a socket we hold open (Telegram, SMS)."""

from __future__ import annotations

from typing import Any, Protocol

from domain.models import Conversation, EntryAuthor

# What the client is told: the agent's replies, a person's replies, the hub's notes.
SPOKEN_TO_CLIENT = frozenset({EntryAuthor.AGENT, EntryAuthor.STAFF, EntryAuthor.SYSTEM})


class Outlet(Protocol):
    """Sends a transcript entry (as `presenting.entry_json` shapes it) to a conversation's client.

    The hub awaits it inside the conversation's turn, so a client reads replies in order; an
    outlet logs and swallows its own failures (the entry is in the transcript either way).
    """

    async def deliver(self, conversation: Conversation, entry: dict[str, Any]) -> None: ...
