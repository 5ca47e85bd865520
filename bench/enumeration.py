"""Whether a stranger can tell a known contact from an unknown one by how long a code takes.

A live `frontdesk serve --demo` (real uvicorn, SQLite) is asked, through the web chat's socket
as a visitor would, for a one-time code: "I'm <name>, <phone or email>", each from a new chat
session. Known contacts are the demo clients' phones and emails; unknown ones are made up, each
used once. Known and unknown requests alternate, so load on the machine falls on both alike.
Each known contact is asked at most ROUNDS times: under its 10 codes an hour (docs/security.md),
so every request takes the same path (a code sent), as a stranger's first ones would.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from bench.common import Figures, PostgresDatabases, fmt, markdown_table, p90
from domain.world.files import DEMO_WORLD
from domain.world.loader import read_world
from testkit.chat_client import ChatClient
from testkit.processes import live_process

ROUNDS = 3  # asks per known contact (each contact gets at most 10 codes an hour)
WARM_UP = 4


def _ask_for_a_code(ws_url: str, name: str, contact: str) -> float:
    """Milliseconds from the visitor's message to the end of the agent's reply."""
    with ChatClient(ws_url) as chat:
        began = time.perf_counter()
        said = chat.say(f"I'm {name}, {contact}")
        elapsed = (time.perf_counter() - began) * 1000
    if "code" not in said.text:
        raise AssertionError(f"no code offered for {contact}: {said.text!r}")
    return elapsed


def _contacts() -> dict[str, list[tuple[str, str]]]:
    """(name, contact) by kind: known and unknown phones and emails, in the order asked."""
    clients = [c for c in read_world(DEMO_WORLD).clients if c.phone and c.email]
    known_phones = [(c.name, str(c.phone)) for c in clients] * ROUNDS
    known_emails = [(c.name, str(c.email)) for c in clients] * ROUNDS
    count = len(known_phones)
    return {
        "known phone": known_phones,
        "unknown phone": [(f"Ada Unbekannt {n}", f"+49170{7000000 + n}") for n in range(count)],
        "known email": known_emails,
        "unknown email": [(f"Ada Unbekannt {n}", f"ada.{n}@unknown.example") for n in range(count)],
    }


def _measure(data_dir: Path) -> dict[str, list[float]]:
    contacts = _contacts()
    samples: dict[str, list[float]] = {kind: [] for kind in contacts}
    with live_process(data_dir) as server:
        for n in range(WARM_UP):
            _ask_for_a_code(server.ws_url, "Warm Up", f"+49170{6000000 + n}")
        for turn in range(len(contacts["known phone"])):
            for kind in ("known phone", "unknown phone", "known email", "unknown email"):
                name, contact = contacts[kind][turn]
                samples[kind].append(_ask_for_a_code(server.ws_url, name, contact))
    return samples


def run(_pg: PostgresDatabases | None) -> Figures:
    with tempfile.TemporaryDirectory() as scratch:
        samples = _measure(Path(scratch) / "data")
    figures: Figures = {}
    rows = []
    for kind, timings in samples.items():
        figures[f"{kind} p50 ms"] = statistics.median(timings)
        rows.append([kind, str(len(timings)), fmt(statistics.median(timings)), fmt(p90(timings))])
    known = statistics.median(samples["known phone"] + samples["known email"])
    unknown = statistics.median(samples["unknown phone"] + samples["unknown email"])
    figures["known p50 ms"], figures["unknown p50 ms"] = known, unknown
    figures["known / unknown"] = known / unknown
    print(markdown_table(["asked with", "requests", "p50 ms", "p90 ms"], rows))
    print()
    print(headline(figures))
    return figures


def headline(figures: Figures) -> str:
    return (
        f"enumeration: known {fmt(figures['known p50 ms'])} ms, unknown "
        f"{fmt(figures['unknown p50 ms'])} ms, ratio {figures['known / unknown']:.2f}"
    )
