"""One server under ws_load: its loads of concurrent clients, its idle memory, its bookings."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from pathlib import Path

from bench.common import sqlite_url
from bench.ws_bookings import BookingCheck, check_bookings
from bench.ws_client import Conversation, load
from bench.ws_echo import echo_server, replayer
from bench.ws_memory import idle_rss
from bench.ws_visitors import book
from testkit.processes import live_process

CLIENT_COUNTS = (10, 50)


@dataclass
class Load:
    clients: int
    elapsed: float
    conversations: list[Conversation]

    @property
    def booked(self) -> list[Conversation]:
        return [c for c in self.conversations if c.booking_id is not None and not c.failure]

    @property
    def failed(self) -> list[Conversation]:
        return [c for c in self.conversations if c.failure or c.booking_id is None]

    @property
    def latencies(self) -> list[float]:
        return [turn.latency for c in self.conversations for turn in c.turns]

    @property
    def rate(self) -> float:
        return len(self.booked) / self.elapsed

    @property
    def error_frames(self) -> int:
        return sum(sum(c.error_codes.values()) for c in self.conversations)


@dataclass
class ServerRun:
    label: str
    loads: list[Load]
    rss: tuple[int, int]
    warmup: list[Conversation] = field(default_factory=list)
    bookings: BookingCheck | None = None

    @property
    def everyone(self) -> list[Conversation]:
        return self.warmup + [c for one in self.loads for c in one.conversations]


def measure_frontdesk(workdir: Path, label: str, database_url: str | None) -> ServerRun:
    """Run the loads and the idle-memory probe against one `frontdesk serve --demo` process."""
    with live_process(workdir, database_url=database_url) as server:
        url = server.ws_url
        # Warm-up (the model, the knowledge index, the first queries); checked, not timed.
        _, warmup = load(book, url, [0])
        # Before the loads: afterwards the connections would reuse memory the loads freed.
        rss = idle_rss(f"{url}/ws/chat", server.process.pid)
        loads: list[Load] = []
        next_index = 1
        for clients in CLIENT_COUNTS:
            indices = range(next_index, next_index + clients)
            next_index += clients
            loads.append(Load(clients, *load(book, url, indices)))
        run = ServerRun(label, loads, rss, warmup)
        everyone = warmup + [c for one in loads for c in one.conversations]
        run.bookings = check_bookings(
            database_url or sqlite_url(str(workdir), "frontdesk"), everyone
        )
        return run


def measure_echo(real: ServerRun) -> ServerRun:
    """The same clients and texts against the bare endpoint, sized like the real turns."""
    turns = [turn for one in real.loads for c in one.conversations for turn in c.turns]
    frames = round(statistics.mean(t.frames for t in turns)) if turns else 4
    size = round(statistics.mean(t.size for t in turns)) if turns else 600
    texts = {c.index: c.texts for one in real.loads for c in one.conversations}
    replay = replayer(texts)
    with echo_server() as (base, pid):
        url = f"{base}/ws/echo?frames={frames}&size={size}"
        load(replayer({0: ["warm-up"]}), url, [0])
        rss = idle_rss(url, pid)
        loads = [
            Load(one.clients, *load(replay, url, [c.index for c in one.conversations]))
            for one in real.loads
        ]
    return ServerRun(f"bare FastAPI echo ({frames} frames, {size} B a turn)", loads, rss)
