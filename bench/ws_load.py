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
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from bench.common import Figures, PostgresDatabases, fmt, markdown_table, postgres
from bench.ws_measure import CLIENT_COUNTS, ServerRun, measure_echo, measure_frontdesk
from bench.ws_memory import IDLE_CONNECTIONS, kib_per_connection

# The pieces, each in its own module: bench.ws_client (the /ws/chat protocol as a client sees
# it), bench.ws_visitors (the booking visitor), bench.ws_echo (the baseline), bench.ws_memory
# (idle connections), bench.ws_bookings (the database check), bench.ws_measure (one server).


def p99(samples: Sequence[float]) -> float:
    if len(samples) < 2:
        return samples[0] if samples else float("nan")
    return statistics.quantiles(samples, n=100, method="inclusive")[98]


def median(samples: Sequence[float]) -> float:
    return statistics.median(samples) if samples else float("nan")


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
