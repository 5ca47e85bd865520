"""`python -m bench [NAME ...]`: run the named benchmarks (all by default), print their figures,
then one table of them all (machine, date, commit), also written to bench/results/, and end with
the headline each benchmark that has one names in its issue (how progress is read)."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable

from bench import (
    admin_api,
    calendars,
    checkpoint_bytes,
    contention,
    enumeration,
    evals,
    language_detection,
    notify,
    prompt_tokens,
    slot_search,
    turn_time,
    understanding,
    ws_load,
)
from bench.common import Figures, PostgresDatabases, postgres
from bench.summary import summary, write_summary

HEADLINES: dict[str, Callable[[Figures], str]] = {
    "contention": contention.headline,
    "slot_search": slot_search.headline,
    "prompt_tokens": prompt_tokens.headline,
    "understanding": understanding.headline,
    "enumeration": enumeration.headline,
    "language_detection": language_detection.headline,
    "checkpoint_bytes": checkpoint_bytes.headline,
    "calendars": calendars.headline,
}
BENCHMARKS: dict[str, Callable[[PostgresDatabases | None], Figures]] = {
    "contention": contention.run,
    "slot_search": slot_search.run,
    "turn_time": turn_time.run,
    "prompt_tokens": prompt_tokens.run,
    "ws_load": ws_load.run,
    "admin_api": admin_api.run,
    "notify": notify.run,
    "evals": evals.run,
    "understanding": understanding.run,
    "enumeration": enumeration.run,
    "language_detection": language_detection.run,
    "checkpoint_bytes": checkpoint_bytes.run,
    "calendars": calendars.run,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("names", nargs="*", metavar="NAME", help=", ".join(BENCHMARKS))
    args = parser.parse_args(argv)
    names: list[str] = args.names or list(BENCHMARKS)
    unknown = [name for name in names if name not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark {unknown[0]!r}; choose from {', '.join(BENCHMARKS)}")
    started = time.perf_counter()
    results: dict[str, Figures] = {}
    with postgres() as pg:
        for name in names:
            print(f"## {name}\n", flush=True)
            began = time.perf_counter()
            results[name] = BENCHMARKS[name](pg)
            print(f"({name} took {time.perf_counter() - began:.1f} s)\n", flush=True)
    print(f"(all took {time.perf_counter() - started:.1f} s)\n")
    print(summary(results))
    print(f"(written to {write_summary(results)})\n")
    for name in names:
        if name in HEADLINES:
            print(HEADLINES[name](results[name]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
