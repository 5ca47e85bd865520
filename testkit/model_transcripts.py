"""The conversations the local model server has answered, stitched back from compact prompts.

The OpenAI path sends a model the last few messages only (agent/window.py), while the offline
model rereads the whole transcript — and keeps what it is working on in its own replies'
`additional_kwargs`, which no wire format carries. So the server keeps every conversation it
answers, its own replies as the offline model made them, and recognises the next request of a
conversation by its window: the messages ending with one of the server's replies must be the
end of that conversation's transcript. What follows that reply in the window is new. A window
that matches no conversation starts one (a fresh chat, or one older than the server).

The server's tool call ids are unique across conversations, so a window holding a tool call is
never mistaken for another; two text-only windows alike in every message are alike in what
the model would be told, and the latest conversation touched is taken.
"""

from __future__ import annotations

import itertools
import threading
from collections import OrderedDict
from dataclasses import dataclass, field

from langchain_core.messages import AIMessage, BaseMessage

from testkit.openai_wire import Json, message_key

# Conversations kept; the least recently answered is forgotten first.
MAX_CONVERSATIONS = 20_000


@dataclass
class Conversation:
    number: int
    keys: list[str] = field(default_factory=list)
    messages: list[BaseMessage] = field(default_factory=list)

    def extend(self, keys: list[str], messages: list[BaseMessage]) -> None:
        self.keys.extend(keys)
        self.messages.extend(messages)


class Transcripts:
    """Conversations by the wire key of the server's latest reply in each."""

    def __init__(self, limit: int = MAX_CONVERSATIONS) -> None:
        self._lock = threading.Lock()
        self._numbers = itertools.count(1)
        self._limit = limit
        self._by_number: OrderedDict[int, Conversation] = OrderedDict()
        self._by_last_reply: dict[str, list[int]] = {}
        self.started = 0  # conversations begun by a window that continued none

    def continue_or_start(
        self, wire: list[Json], messages: list[BaseMessage]
    ) -> tuple[Conversation, list[BaseMessage]]:
        """Find the conversation this window continues (or start one); return it and the
        whole transcript the model should read, the window's new messages appended to it."""
        keys = [message_key(m) for m in wire]
        with self._lock:
            found = self._find(keys)
            if found is None:
                conversation = Conversation(next(self._numbers))
                self.started += 1
                conversation.extend(keys, messages)
            else:
                conversation, newer_from = found
                self._unindex(conversation)
                conversation.extend(keys[newer_from:], messages[newer_from:])
            self._by_number[conversation.number] = conversation
            self._by_number.move_to_end(conversation.number)
            while len(self._by_number) > self._limit:
                _, forgotten = self._by_number.popitem(last=False)
                self._unindex(forgotten)
            return conversation, list(conversation.messages)

    def answered(self, conversation: Conversation, key: str, reply: AIMessage) -> None:
        """Keep the server's reply as the conversation's latest message."""
        with self._lock:
            conversation.extend([key], [reply])
            self._by_last_reply.setdefault(key, []).append(conversation.number)

    def _find(self, keys: list[str]) -> tuple[Conversation, int] | None:
        # The latest of the server's replies the window holds is the one to continue from.
        for position in range(len(keys) - 1, -1, -1):
            numbers = self._by_last_reply.get(keys[position], [])
            for number in reversed(numbers):
                conversation = self._by_number[number]
                # The window may open with the client's latest message put back in front.
                for opening in (0, 1):
                    shown = keys[opening : position + 1]
                    if shown and conversation.keys[-len(shown) :] == shown:
                        return conversation, position + 1
        return None

    def _unindex(self, conversation: Conversation) -> None:
        if not conversation.keys:
            return
        numbers = self._by_last_reply.get(conversation.keys[-1], [])
        if conversation.number in numbers:
            numbers.remove(conversation.number)
            if not numbers:
                del self._by_last_reply[conversation.keys[-1]]
