"""Admin API reads over HTTP against a practice with a year of bookings, per backend.

A live `frontdesk serve --demo` (real uvicorn) gets 20,000 extra past bookings inserted into
its database; then each read is timed from a client on the same machine. The baseline is
`GET /healthz` on the same server in the same run (HTTP, routing, JSON, no database), so the
ratios say what the database and the rules cost on top of serving a request at all.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import insert, text

from bench.common import Figures, PostgresDatabases, fmt, markdown_table, p90
from domain.kernel.db import make_engine
from domain.models import Booking
from domain.models.sealed import bound_to_row
from testkit.api_client import ADMIN, bearer_token
from testkit.keys import TEST_KEYRING
from testkit.processes import live_process

EXTRA_BOOKINGS = 20_000
SAMPLES = 60
READS = {
    "bookings page (50, by start)": "/api/v1/bookings?limit=50&offset=5000",
    "bookings of one provider, a month": (
        "/api/v1/bookings?provider=dr-hoffmann&from=2024-06-01&to=2024-06-30"
    ),
    "clients search": "/api/v1/clients?q=an",
    "audit log page": "/api/v1/audit-events?limit=50",
    "analytics, 90 days": "/api/v1/analytics?from=2024-06-01&to=2024-08-29",
}


def _add_history(database_url: str) -> None:
    """A year of past confirmed and completed bookings spread over the demo's providers."""
    engine = make_engine(database_url, keyring=TEST_KEYRING)
    with engine.begin() as connection:
        providers = [r[0] for r in connection.execute(text("SELECT id FROM providers"))]
        client = connection.execute(text("SELECT id FROM clients LIMIT 1")).scalar_one()
        pairs = connection.execute(
            text("SELECT provider_id, service_id FROM provider_services")
        ).all()
        service_of = {provider: service for provider, service in pairs}
        first = datetime(2024, 3, 4, 8, 0, tzinfo=UTC)  # before the demo world's own past
        rows = []
        for n in range(EXTRA_BOOKINGS):
            provider = providers[n % len(providers)]
            # Five appointments a day per provider, every day: a year of them.
            nth = n // len(providers)
            start = first + timedelta(days=nth // 5, hours=nth % 5)
            rows.append(
                {
                    "id": f"history-{n}",
                    "client_id": client,
                    "provider_id": provider,
                    "service_id": service_of[provider],
                    "starts_at": start,
                    "ends_at": start + timedelta(minutes=20),
                    "blocked_until": start + timedelta(minutes=20),
                    "status": "completed" if n % 3 else "confirmed",
                    "channel": "bench",
                    "intake": bound_to_row({}, f"history-{n}"),
                    "created_at": start - timedelta(days=3),
                    "updated_at": start,
                }
            )
        connection.execute(insert(Booking), rows)
    engine.dispose()


def _timings(client: httpx.Client, path: str) -> list[float]:
    client.get(path).raise_for_status()  # warm
    samples = []
    for _ in range(SAMPLES):
        began = time.perf_counter()
        client.get(path).raise_for_status()
        samples.append((time.perf_counter() - began) * 1000)
    return samples


def _measure(backend: str, database_url: str | None, data_dir: Path) -> Figures:
    figures: Figures = {}
    with live_process(data_dir, database_url=database_url) as server:
        _add_history(database_url or f"sqlite:///{data_dir / 'frontdesk.db'}")
        headers = {"Authorization": f"Bearer {bearer_token(server, ADMIN)}"}
        with httpx.Client(base_url=server.base_url, headers=headers, timeout=60) as client:
            baseline = statistics.median(_timings(client, "/healthz"))
            figures[f"{backend} healthz p50 ms"] = baseline
            rows = [["GET /healthz (baseline)", fmt(baseline), "", "1.0"]]
            for name, path in READS.items():
                samples = _timings(client, path)
                median = statistics.median(samples)
                figures[f"{backend} {name} p50 ms"] = median
                figures[f"{backend} {name} x healthz"] = median / baseline
                rows.append([name, fmt(median), fmt(p90(samples)), fmt(median / baseline)])
    print(f"### {backend}\n")
    print(markdown_table(["read", "p50 ms", "p90 ms", "x healthz p50"], rows))
    print()
    return figures


def run(pg: PostgresDatabases | None) -> Figures:
    figures: Figures = {}
    with tempfile.TemporaryDirectory() as scratch:
        figures |= _measure("SQLite", None, Path(scratch) / "sqlite")
        if pg is not None:
            url = pg.url(pg.new_database("admin_api"))
            figures |= _measure("PostgreSQL", url, Path(scratch) / "pg")
    return figures
