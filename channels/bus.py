"""Live events inside one process: the hub publishes, open sockets listen.

Each listener gets its own bounded queue; one that stops reading loses its oldest events
rather than slowing the hub down (it can always reload the transcript).
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

Event = dict[str, Any]
CONSOLE = "console"
QUEUE_LIMIT = 1000


def conversation_topic(conversation_id: str) -> str:
    return f"conversation:{conversation_id}"


class EventBus:
    def __init__(self) -> None:
        self._listeners: dict[str, set[asyncio.Queue[Event]]] = defaultdict(set)

    @contextmanager
    def listening(self, *topics: str) -> Iterator[asyncio.Queue[Event]]:
        """Yield a queue receiving every event published to these topics while open."""
        queue: asyncio.Queue[Event] = asyncio.Queue(QUEUE_LIMIT)
        for topic in topics:
            self._listeners[topic].add(queue)
        try:
            yield queue
        finally:
            self.stop_listening(queue, *topics)

    def listen(self, queue: asyncio.Queue[Event], topic: str) -> None:
        self._listeners[topic].add(queue)

    def stop_listening(self, queue: asyncio.Queue[Event], *topics: str) -> None:
        for topic in topics:
            listeners = self._listeners.get(topic)
            if listeners is not None:
                listeners.discard(queue)
                if not listeners:
                    del self._listeners[topic]

    def has_listeners(self, topic: str) -> bool:
        return bool(self._listeners.get(topic))

    def publish(self, topic: str, event: Event) -> None:
        """Hand the event to every listener of the topic; call on the event loop's thread."""
        for queue in list(self._listeners.get(topic, ())):
            if queue.full():
                queue.get_nowait()
            queue.put_nowait(event)
