"""Websocket load: concurrent new visitors booking over /ws/chat against a real server.

K clients at once (CLIENT_COUNTS) each connect to `/ws/chat` of a real `frontdesk serve --demo`
process (offline model, frozen clock, SQLite in a temporary directory; PostgreSQL too when the
bench has one) as a new anonymous visitor and play a whole booking: ask for a specialty on a
day, press a random offered slot button (another one after a "taken" refusal), say who they
are, answer the intake questions and press Confirm, until a reply carries a confirmed booking
card. A turn's latency runs from sending the `message` frame to the last `reply` frame before
the `typing` frame with on=false that ends the turn.

The baseline, in the same run, is a bare FastAPI websocket endpoint in its own uvicorn process:
the same K clients replay exactly the texts the real clients sent (so the same turns), and it
answers each with as many frames and bytes as the real server's average turn. Memory per
connection is the server process's RSS with IDLE_CONNECTIONS idle sockets open (each past its
`hello`) minus its RSS before they were opened, divided by their number; it is taken after one
warm-up conversation and before the loads, since sockets opened later reuse memory the loads
freed. RSS only sees pages newly touched, so in the large, warmed frontdesk process it is a
lower bound. After the run, the database is asked how many bench visitors hold confirmed
bookings and whether any two occupying (hold or confirmed) bookings of one provider overlap.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psutil
from fastapi import FastAPI, WebSocket, WebSocketDisconnect
from sqlalchemy import create_engine, text
from websockets.asyncio.client import ClientConnection, connect

from bench.common import Figures, PostgresDatabases, fmt, markdown_table, postgres, sqlite_url
from tests.support.live import free_port, live_server

ROOT = Path(__file__).resolve().parents[1]
CLIENT_COUNTS = (10, 50)
IDLE_CONNECTIONS = 500
MAX_TURNS = 14
TURN_TIMEOUT = 60.0
SEED = 20260309

# Openings spread over specialties and days the demo world has free slots for, so clients
# of one (specialty, day) pair collide now and then without running the day out of slots.
SPECIALTIES = ("dermatologist", "gynaecologist", "general practitioner", "physiotherapist")
DAYS = (
    "tomorrow",
    "on Monday 16 March",
    "on Tuesday 17 March",
    "on Thursday 19 March",
    "on Friday 20 March",
)

TAKEN = re.compile(r"\btaken\b|is not free|no longer (?:free|available)|not available", re.I)
ASKS_IDENTITY = re.compile(r"\bname\b|phone|who you are|who are you", re.I)
ASKS_INTAKE = re.compile(r"date of birth|insurance|address|employer", re.I)
ASKS_YES_NO = re.compile(r"shall i|should i|do you want|would you like", re.I)
CLOCK_TIME = re.compile(r"\b\d{1,2}:\d{2}\b")
LISTED_SLOT = re.compile(r"^\s*\d+\.\s+(.*\b\d{1,2}:\d{2}\b.*)$", re.M)
CONFIRM_LABEL = re.compile(r"^\s*(?:confirm|yes|book)", re.I)


def opening(index: int) -> str:
    specialty = SPECIALTIES[index % len(SPECIALTIES)]
    day = DAYS[(index // len(SPECIALTIES)) % len(DAYS)]
    return f"I need a {specialty} {day}"


def identity(index: int) -> str:
    return f"I'm Bench Client {index}, +49 170 555{index:04d}"


def intake(index: int) -> str:
    return (
        f"My date of birth is 12 May 1985, my insurance number is TK-{1_000_000 + index} "
        f"and my address is Hauptstraße {index}, 10115 Berlin."
    )


@dataclass
class Turn:
    text: str
    latency: float
    frames: int
    size: int
    replies: list[dict[str, Any]]


@dataclass
class Conversation:
    index: int
    turns: list[Turn] = field(default_factory=list)
    booking_id: str | None = None
    failure: str | None = None
    refusals: int = 0
    error_codes: Counter[str] = field(default_factory=Counter)
    gaps: Counter[str] = field(default_factory=Counter)

    @property
    def texts(self) -> list[str]:
        return [turn.text for turn in self.turns]


class Failed(Exception):
    """The conversation cannot go on (a closed socket, a timeout, a reply nobody understands)."""


async def receive(ws: ClientConnection, timeout: float) -> tuple[dict[str, Any], int]:
    raw = await asyncio.wait_for(ws.recv(), timeout)
    frame = json.loads(raw)
    if not isinstance(frame, dict):
        raise Failed(f"frame is not an object: {raw!r:.200}")
    return frame, len(raw)


async def hello(ws: ClientConnection, conversation: Conversation) -> None:
    frame, _ = await receive(ws, TURN_TIMEOUT)
    if frame.get("type") != "hello":
        conversation.gaps["first frame not hello"] += 1
        raise Failed(f"first frame was {frame!r:.200}")


async def play_turn(ws: ClientConnection, conversation: Conversation, message: str) -> Turn:
    """Send one message; collect the replies up to the `typing` on=false that ends the turn."""
    message_id = f"bench-{conversation.index}-{len(conversation.turns)}"
    sent = time.perf_counter()
    await ws.send(json.dumps({"type": "message", "id": message_id, "text": message}))
    replies: list[dict[str, Any]] = []
    frames = size = 0
    acked = False
    last_reply = 0.0
    pieces: set[str] = set()
    deadline = sent + TURN_TIMEOUT
    while True:
        try:
            frame, length = await receive(ws, deadline - time.perf_counter())
        except TimeoutError:
            raise Failed(f"no end of turn within {TURN_TIMEOUT:.0f} s after {message!r}") from None
        frames += 1
        size += length
        kind = frame.get("type")
        if kind == "ack":
            acked = acked or frame.get("id") == message_id
        elif kind == "delta":
            pieces.add(str(frame.get("reply_id")))
        elif kind == "reply":
            if not acked:
                # Before this message's ack: most likely a reply to the previous message that
                # came after the typing on=false which was to end that turn.
                conversation.gaps["reply before the ack of the message it answers"] += 1
            replies.append(frame)
            last_reply = time.perf_counter()
        elif kind == "error":
            conversation.error_codes[str(frame.get("code"))] += 1
            raise Failed(f"error frame {frame!r:.300} after {message!r}")
        elif kind == "typing" and frame.get("on") is False:
            break
    if not acked:
        conversation.gaps["turn without ack of its message id"] += 1
    if not replies:
        conversation.gaps["turn ended (typing off) without a reply"] += 1
        last_reply = time.perf_counter()
    if pieces - {str(reply.get("reply_id")) for reply in replies}:
        conversation.gaps["delta pieces whose reply_id no reply of the turn has"] += 1
    turn = Turn(message, last_reply - sent, frames, size, replies)
    conversation.turns.append(turn)
    return turn


def confirmed_card(replies: Sequence[dict[str, Any]]) -> str | None:
    for entry in replies:
        card = entry.get("card")
        if isinstance(card, dict) and card.get("status") == "confirmed":
            return str(card.get("booking_id"))
    return None


def offered_buttons(replies: Sequence[dict[str, Any]]) -> list[dict[str, str]]:
    for entry in reversed(replies):
        buttons = entry.get("buttons") or []
        if buttons:
            return [
                {"label": str(b.get("label", "")), "value": str(b.get("value", ""))}
                for b in buttons
            ]
    return []


class Visitor:
    """Decides the next message of one booking conversation from the replies to the last one."""

    def __init__(self, conversation: Conversation, rng: random.Random) -> None:
        self.conversation = conversation
        self.rng = rng
        self.offered: list[str] = []
        self.tried: set[str] = set()
        self.identified = 0
        self.intake_given = 0
        self.yes_said = 0

    def pick_slot(self) -> str:
        fresh = [value for value in self.offered if value not in self.tried]
        if not fresh:
            self.offered = []
            return opening(self.conversation.index)
        choice = self.rng.choice(fresh)
        self.tried.add(choice)
        return choice

    def next_message(self, replies: Sequence[dict[str, Any]]) -> str:
        index = self.conversation.index
        said = "\n".join(str(entry.get("text") or "") for entry in replies)
        buttons = offered_buttons(replies)
        confirm = [b for b in buttons if CONFIRM_LABEL.match(b["label"] or b["value"])]
        slots = [b["value"] for b in buttons if CLOCK_TIME.search(b["label"] + b["value"])]
        if not slots and (listed := LISTED_SLOT.findall(said)):
            # A list of times in the text but no buttons: the protocol promises buttons.
            self.conversation.gaps["slot list without buttons"] += 1
            slots = [line.strip() for line in listed]
        if TAKEN.search(said):
            self.conversation.refusals += 1
        if confirm:
            return confirm[0]["value"]
        if slots:
            self.offered = slots
            return self.pick_slot()
        if TAKEN.search(said):
            return self.pick_slot()
        if ASKS_YES_NO.search(said) and "confirm" in said.lower() and self.yes_said < 2:
            self.yes_said += 1
            return "yes"
        if ASKS_IDENTITY.search(said) and self.identified < 2:
            self.identified += 1
            return identity(index)
        if ASKS_INTAKE.search(said) and self.intake_given < 2:
            self.intake_given += 1
            return intake(index)
        raise Failed(f"no idea how to answer {said!r:.300}")


async def book(url: str, index: int) -> Conversation:
    """Play one booking as a new visitor; record why it failed instead of raising."""
    conversation = Conversation(index)
    visitor = Visitor(conversation, random.Random(SEED + index))
    try:
        async with connect(f"{url}/ws/chat", open_timeout=TURN_TIMEOUT) as ws:
            await hello(ws, conversation)
            message = opening(index)
            while len(conversation.turns) < MAX_TURNS:
                turn = await play_turn(ws, conversation, message)
                booking_id = confirmed_card(turn.replies)
                if booking_id is not None:
                    conversation.booking_id = booking_id
                    return conversation
                message = visitor.next_message(turn.replies)
            raise Failed(f"not booked after {MAX_TURNS} turns")
    except Exception as exc:  # a benchmark counts failures; it does not stop at the first
        conversation.failure = f"{type(exc).__name__}: {exc}"
    return conversation


def replayer(texts: dict[int, list[str]]) -> Callable[[str, int], Awaitable[Conversation]]:
    """Return a client that sends visitor `index`'s texts of the real run to the echo endpoint."""

    async def replay(url: str, index: int) -> Conversation:
        conversation = Conversation(index)
        try:
            async with connect(url, open_timeout=TURN_TIMEOUT) as ws:
                await hello(ws, conversation)
                for message in texts[index]:
                    await play_turn(ws, conversation, message)
            conversation.booking_id = "echo"
        except Exception as exc:
            conversation.failure = f"{type(exc).__name__}: {exc}"
        return conversation

    return replay


async def _load(
    client: Callable[[str, int], Awaitable[Conversation]], url: str, indices: Sequence[int]
) -> tuple[float, list[Conversation]]:
    started = time.perf_counter()
    conversations = await asyncio.gather(*(client(url, index) for index in indices))
    return time.perf_counter() - started, list(conversations)


def load(
    client: Callable[[str, int], Awaitable[Conversation]], url: str, indices: Sequence[int]
) -> tuple[float, list[Conversation]]:
    """Run one client per index, all at once; return the wall time and their conversations."""
    return asyncio.run(_load(client, url, indices))


async def _idle_rss(url: str, pid: int, count: int) -> tuple[int, int]:
    process = psutil.Process(pid)
    gate = asyncio.Semaphore(20)
    sockets: list[ClientConnection] = []

    async def open_one() -> None:
        async with gate:
            ws = await connect(url, open_timeout=TURN_TIMEOUT)
            sockets.append(ws)
            frame, _ = await receive(ws, TURN_TIMEOUT)
            if frame.get("type") != "hello":
                raise Failed(f"first frame was {frame!r:.200}")

    await asyncio.sleep(1.0)
    before = process.memory_info().rss
    try:
        await asyncio.gather(*(open_one() for _ in range(count)))
        await asyncio.sleep(1.0)
        after = process.memory_info().rss
    finally:
        await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)
    return before, after


def idle_rss(url: str, pid: int, count: int = IDLE_CONNECTIONS) -> tuple[int, int]:
    """Return the server's RSS before and with `count` idle connections open (after hello)."""
    gc.collect()
    return asyncio.run(_idle_rss(url, pid, count))


def echo_app() -> FastAPI:
    """A bare websocket endpoint answering each message with `frames` frames of `size` bytes.

    The frames are shaped like the protocol's (hello; ack, typing, delta pieces, the reply,
    typing off) but nothing is looked up or decided: the text is echoed and padded.
    """
    app = FastAPI()

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.websocket("/ws/echo")
    async def echo(ws: WebSocket, frames: int = 4, size: int = 600) -> None:
        await ws.accept()
        session = uuid.uuid4().hex
        await ws.send_text(
            json.dumps(
                {
                    "type": "hello",
                    "session": session,
                    "conversation_id": session,
                    "status": "bot",
                    "history": [],
                }
            )
        )
        count = 0
        try:
            while True:
                message = json.loads(await ws.receive_text())
                count += 1
                ack = json.dumps({"type": "ack", "id": message.get("id"), "duplicate": False})
                typing_on = json.dumps({"type": "typing", "on": True})
                typing_off = json.dumps({"type": "typing", "on": False})
                pieces = max(0, frames - 4)
                room = size - len(ack) - len(typing_on) - len(typing_off)
                await ws.send_text(ack)
                await ws.send_text(typing_on)
                # Like a streamed reply: the text in pieces, then the whole entry once more.
                words = str(message.get("text", "")).split() or ["echo"]
                for piece in range(pieces):
                    delta = {"type": "delta", "reply_id": f"r-{count}", "text": words[0]}
                    pad = room // 2 // pieces - len(json.dumps(delta))
                    delta["text"] = words[piece % len(words)] + " " + "x" * max(0, pad - 1)
                    await ws.send_text(json.dumps(delta))
                entry: dict[str, Any] = {
                    "type": "reply",
                    "entry_id": count,
                    "reply_id": f"r-{count}",
                    "author": "agent",
                    "text": str(message.get("text", "")),
                    "buttons": [],
                    "card": None,
                }
                pad = (room if pieces == 0 else room - room // 2) - len(json.dumps(entry))
                entry["text"] += " " + "x" * max(0, pad - 1)
                await ws.send_text(json.dumps(entry))
                await ws.send_text(typing_off)
        except WebSocketDisconnect:
            return

    return app


@contextmanager
def echo_server() -> Iterator[tuple[str, int]]:
    """Serve echo_app with uvicorn in its own process; yield its ws:// base URL and pid."""
    port = free_port()
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "uvicorn", "--factory", "bench.ws_load:echo_app"),
            *("--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"),
        ],
        cwd=ROOT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the echo server did not start")
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        yield f"ws://127.0.0.1:{port}", process.pid
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


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
class BookingCheck:
    visitors_confirmed: int
    visitors_with_several: int
    cards_confirmed: int
    cards: int
    overlaps: int


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


OVERLAPS = """
SELECT count(*) FROM bookings a JOIN bookings b
  ON a.provider_id = b.provider_id AND a.id < b.id
 AND a.starts_at < b.blocked_until AND b.starts_at < a.blocked_until
WHERE a.status IN ('hold', 'confirmed') AND b.status IN ('hold', 'confirmed')
"""
BENCH_CONFIRMED = """
SELECT c.id, count(b.id) FROM clients c JOIN bookings b ON b.client_id = c.id
WHERE b.status = 'confirmed' AND (c.name LIKE 'Bench Client %' OR c.phone LIKE '%170555%')
GROUP BY c.id
"""


def check_bookings(database_url: str, conversations: Sequence[Conversation]) -> BookingCheck:
    """Count the bench visitors' confirmed bookings and overlapping bookings of one provider."""
    cards = [c.booking_id for c in conversations if c.booking_id is not None]
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            per_client: list[tuple[str, int]] = [
                (str(client), int(count))
                for client, count in connection.execute(text(BENCH_CONFIRMED))
            ]
            overlaps = connection.execute(text(OVERLAPS)).scalar_one()
            statuses: dict[str, str] = {
                str(booking): str(status)
                for booking, status in connection.execute(text("SELECT id, status FROM bookings"))
            }
    finally:
        engine.dispose()
    return BookingCheck(
        visitors_confirmed=sum(count for _, count in per_client),
        visitors_with_several=sum(1 for _, count in per_client if count > 1),
        cards_confirmed=sum(1 for card in set(cards) if statuses.get(card) == "confirmed"),
        cards=len(cards),
        overlaps=int(overlaps),
    )


def measure_frontdesk(workdir: Path, label: str, database_url: str | None) -> ServerRun:
    """Run the loads and the idle-memory probe against one `frontdesk serve --demo` process."""
    with live_server(workdir, database_url=database_url) as server:
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


def p99(samples: Sequence[float]) -> float:
    if len(samples) < 2:
        return samples[0] if samples else float("nan")
    return statistics.quantiles(samples, n=100, method="inclusive")[98]


def median(samples: Sequence[float]) -> float:
    return statistics.median(samples) if samples else float("nan")


def kib_per_connection(rss: tuple[int, int]) -> float:
    return (rss[1] - rss[0]) / IDLE_CONNECTIONS / 1024


def report(runs: Sequence[ServerRun], echo: ServerRun) -> Figures:
    figures: Figures = {}
    rows: list[list[object]] = []
    for run in (*runs, echo):
        key = run.label.split()[0].lower() if run is not echo else "echo"
        for one, base in zip(run.loads, echo.loads, strict=True):
            latencies, base_latencies = one.latencies, base.latencies
            rate_ratio = one.rate / base.rate if base.rate else float("nan")
            p50_ratio = median(latencies) / median(base_latencies)
            gaps = sum((c.gaps for c in one.conversations), Counter[str]())
            prefix = f"{key}.k{one.clients}"
            figures |= {
                f"{prefix}.conversations_per_s": one.rate,
                f"{prefix}.turn_p50_ms": median(latencies) * 1000,
                f"{prefix}.turn_p99_ms": p99(latencies) * 1000,
                f"{prefix}.failed_conversations": len(one.failed),
                f"{prefix}.error_frames": one.error_frames,
            }
            if run is not echo:
                figures |= {
                    f"{prefix}.rate_ratio_to_echo": rate_ratio,
                    f"{prefix}.p50_ratio_to_echo": p50_ratio,
                    f"{prefix}.slot_taken_refusals": sum(c.refusals for c in one.conversations),
                }
            rows.append(
                [
                    run.label,
                    one.clients,
                    len(latencies),
                    f"{len(one.booked)}/{len(one.conversations)}",
                    fmt(one.rate, 2),
                    "" if run is echo else fmt(rate_ratio, 3),
                    fmt(median(latencies) * 1000),
                    fmt(p99(latencies) * 1000),
                    "" if run is echo else fmt(p50_ratio, 1),
                    one.error_frames,
                    len(one.failed),
                    "" if run is echo else sum(c.refusals for c in one.conversations),
                    sum(gaps.values()),
                ]
            )
    counts = " and ".join(map(str, CLIENT_COUNTS))
    print(f"### {counts} concurrent new visitors booking over /ws/chat, offline model\n")
    print(
        markdown_table(
            [
                "server",
                "clients",
                "turns",
                "booked",
                "conversations/s",
                "÷ echo",
                "turn p50 ms",
                "turn p99 ms",
                "p50 ÷ echo",
                "error frames",
                "failed",
                "taken refusals",
                "protocol gaps",
            ],
            rows,
        )
    )
    print()
    memory_rows: list[list[object]] = []
    for run in (*runs, echo):
        key = run.label.split()[0].lower() if run is not echo else "echo"
        per = kib_per_connection(run.rss)
        figures[f"{key}.kib_per_idle_connection"] = per
        memory_rows.append(
            [
                run.label,
                IDLE_CONNECTIONS,
                fmt(run.rss[0] / 2**20),
                fmt(run.rss[1] / 2**20),
                fmt(per),
                "" if run is echo else fmt(per / kib_per_connection(echo.rss), 1),
            ]
        )
    print("### server memory per idle open connection (RSS, after hello)\n")
    print(
        markdown_table(
            ["server", "connections", "RSS before MiB", "RSS with them MiB", "KiB each", "÷ echo"],
            memory_rows,
        )
    )
    print()
    for run in runs:
        key = run.label.split()[0].lower()
        check = run.bookings
        if check is None:
            continue
        figures |= {
            f"{key}.confirmed_bookings": check.visitors_confirmed,
            f"{key}.double_bookings": check.overlaps,
        }
        print(
            f"{run.label}: {len(run.everyone)} conversations (1 warm-up), "
            f"{check.visitors_confirmed} confirmed bookings held by bench visitors "
            f"({check.visitors_with_several} visitors with more than one); "
            f"{check.cards_confirmed} of {check.cards} booking cards confirmed in the database; "
            f"{check.overlaps} overlapping hold/confirmed bookings of one provider."
        )
        failures = [c for c in run.everyone if c.failure or c.booking_id is None]
        for conversation in failures[:3]:
            print(f"- failed visitor {conversation.index}: {conversation.failure}")
        gaps = sum((c.gaps for c in run.everyone), Counter[str]())
        for gap, count in gaps.most_common():
            print(f"- protocol gap: {gap} ({count} times)")
    print()
    return figures


def run(pg: PostgresDatabases | None) -> Figures:
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        runs = [measure_frontdesk(base / "sqlite", "SQLite frontdesk", None)]
        if pg is not None:
            name = pg.new_database("ws_load")
            runs.append(measure_frontdesk(base / "pg", "PostgreSQL frontdesk", pg.url(name)))
        echo = measure_echo(runs[0])
    return report(runs, echo)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.ws_load", description=__doc__)
    parser.add_argument("--sqlite-only", action="store_true", help="skip PostgreSQL")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    if args.sqlite_only:
        run(None)
    else:
        with postgres() as pg:
            run(pg)
    print(f"(ws_load took {time.perf_counter() - started:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
