"""`frontdesk chat` in the terminal: a booking survives a process restart mid-confirmation."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import ROOT, SAMPLE_WORLD, fresh_database_url
from tests.e2e.test_serve import environment

FRONTDESK = [sys.executable, "-m", "api.cli"]


def chat(env: dict[str, str], *lines: str) -> str:
    result = subprocess.run(
        [*FRONTDESK, "chat", "--client", "ana"],
        cwd=ROOT,
        env=env,
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return result.stdout


def derm_bookings(database_url: str) -> list[tuple[str, str]]:
    engine = create_engine(database_url)
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT status, starts_at FROM bookings WHERE client_id = 'ana' "
                "AND service_id = 'derm-consult'"
            )
        ).all()
    engine.dispose()
    return [(status, str(starts_at)) for status, starts_at in rows]


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def test_a_booking_paused_for_confirmation_resumes_in_a_new_process(
    request: pytest.FixtureRequest, tmp_path: Path, backend: str
) -> None:
    url = None if backend == "sqlite" else fresh_database_url(request, tmp_path, backend)
    env = {**environment(tmp_path, url), "FRONTDESK_NOW": "2026-03-02T09:00:00+01:00"}
    database_url = url or f"sqlite:///{tmp_path / 'data' / 'frontdesk.db'}"
    loaded = subprocess.run(
        [*FRONTDESK, "world", "load", str(SAMPLE_WORLD)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert loaded.returncode == 0, loaded.stderr

    first = chat(
        env, "Hi! I'd like to see a dermatologist on Tuesday afternoon.", "14:30 works for me"
    )
    assert "Shall I confirm it?" in first
    assert "A123456789" in first
    assert [status for status, _ in derm_bookings(database_url)] == ["hold"]

    second = chat(env, "Yes, please confirm.")
    assert "You're booked" in second
    assert "14:30" in second
    assert [status for status, _ in derm_bookings(database_url)] == ["confirmed"]


def test_an_unknown_client_is_refused_plainly(tmp_path: Path) -> None:
    result = subprocess.run(
        [*FRONTDESK, "chat", "--client", "nobody"],
        cwd=ROOT,
        env=environment(tmp_path),
        input="hi\n",
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert "no client with id 'nobody'" in result.stderr
