"""`frontdesk serve --demo` as `make run` starts it: a real uvicorn process, spoken to over HTTP."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import psycopg
import pytest

from domain.kernel.clock import SystemClock
from domain.kernel.db import make_engine
from domain.kernel.uow import UnitOfWork
from domain.staff.accounts import SignInRefused, authenticate
from domain.staff.sessions import SessionEnded, staff_in_session, start_session
from testkit.api_client import ADMIN, api_client
from testkit.keys import TEST_KEYRING
from testkit.processes import LiveServer, live_process
from tests.conftest import ROOT, fresh_database_url

FRONTDESK = [sys.executable, "-m", "api.cli"]


def environment(tmp_path: Path, database_url: str | None = None) -> dict[str, str]:
    env = {**os.environ, "FRONTDESK_DATA_DIR": str(tmp_path / "data")}
    env.pop("DATABASE_URL", None)
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """One process per database for the tests that only read from it."""
    tmp_path = tmp_path_factory.mktemp("serve")
    url = None if request.param == "sqlite" else fresh_database_url(request, tmp_path, "postgresql")
    # The real clock, as `make run` has it: the demo world is moved to this week.
    with live_process(tmp_path / "data", database_url=url, now=None) as running:
        yield running


def test_the_demo_practice_is_served(server: LiveServer) -> None:
    assert httpx.get(f"{server.base_url}/healthz").json() == {"status": "ok"}
    with api_client(server, ADMIN) as staff:
        services = staff.get("/services").json()
        assert services["total"] >= 8
        providers = staff.get("/providers").json()["items"]
        assert {p["location"] for p in providers} >= {"Berlin Mitte", "Berlin Charlottenburg"}
        start = (datetime.now().astimezone() + timedelta(days=1)).isoformat()
        found = staff.get(
            "/availability", params={"start": start, "days": 7, "category": "medical"}
        ).json()
    assert found
    assert all(item["service"]["category_id"] == "medical" for item in found)
    starts = [datetime.fromisoformat(s) for item in found for s in item["starts"]]
    assert starts
    assert min(starts) >= datetime.fromisoformat(start)
    home = httpx.get(f"{server.base_url}/", follow_redirects=True)
    assert home.status_code == 200
    assert "Frontdesk" in home.text


def test_the_catalog_and_availability_are_for_staff_only(server: LiveServer) -> None:
    with api_client(server, None) as anonymous:
        for path in ("/services", "/providers", "/document-kinds", "/knowledge"):
            assert anonymous.get(path).status_code == 401, path
        refused = anonymous.get("/availability", params={"start": "2026-03-02T09:00:00+01:00"})
    assert refused.status_code == 401
    assert refused.headers["WWW-Authenticate"] == "Bearer"


def test_bad_requests_get_a_reason_not_a_stack_trace(server: LiveServer) -> None:
    with api_client(server, ADMIN) as staff:
        naive = staff.get("/availability", params={"start": "2026-03-02T09:00"})
        too_long = staff.get(
            "/availability", params={"start": "2026-03-02T09:00:00+01:00", "days": 400}
        )
        far = staff.get("/availability", params={"start": "9999-12-30T00:00:00+00:00"})
    assert naive.status_code == 422
    assert naive.json() == {
        "code": "invalid_input",
        "detail": "start needs a UTC offset, e.g. 2026-03-02T09:00:00+01:00.",
    }
    assert too_long.status_code == 422
    assert "days" in too_long.text
    assert far.status_code == 422
    assert far.json()["detail"] == "start must lie between 1971 and 9000."


def test_world_load_refuses_a_bad_world_with_the_key_and_exit_code(tmp_path: Path) -> None:
    world = tmp_path / "world.yaml"
    world.write_text(
        (ROOT / "evals/suites/sample/world.yaml")
        .read_text()
        .replace('mon: ["09:00-12:00", "13:00-17:00"]', 'mon: ["9 to 12"]', 1)
    )
    result = subprocess.run(
        [*FRONTDESK, "world", "load", str(world)],
        cwd=ROOT,
        env=environment(tmp_path),
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert f"{world}: providers[dr-weber].hours.mon[0]: '9 to 12' is not a range" in result.stderr
    assert "Traceback" not in result.stderr
    loaded = subprocess.run(
        [*FRONTDESK, "world", "load", str(ROOT / "evals/suites/sample/world.yaml")],
        cwd=ROOT,
        env=environment(tmp_path),
        capture_output=True,
        text=True,
    )
    assert loaded.returncode == 0, loaded.stderr
    assert "4 providers" in loaded.stdout


def test_help_lists_the_commands() -> None:
    result = subprocess.run([*FRONTDESK, "--help"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0
    for command in ("serve", "db", "world"):
        assert command in result.stdout


@pytest.mark.postgres
def test_db_upgrade_migrates_an_empty_postgresql_database(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    server = request.getfixturevalue("postgres_server")
    server.create_database("empty_for_cli")
    request.addfinalizer(lambda: server.drop_database("empty_for_cli"))
    url = server.url("empty_for_cli")
    upgrade = [*FRONTDESK, "db", "upgrade"]
    for _ in range(2):  # the second run finds nothing to do
        result = subprocess.run(
            upgrade, cwd=ROOT, env=environment(tmp_path, url), capture_output=True, text=True
        )
        assert result.returncode == 0, result.stderr
        assert "schema up to date" in result.stdout
    with psycopg.connect(server.url("empty_for_cli").replace("+psycopg", "")) as connection:
        constraint = connection.execute(
            "SELECT conname FROM pg_constraint WHERE conname = 'bookings_no_overlap'"
        ).fetchall()
    assert constraint == [("bookings_no_overlap",)]


def test_admin_create_user_makes_an_account_that_can_sign_in(tmp_path: Path) -> None:
    env = environment(tmp_path)
    create = [*FRONTDESK, "admin", "create-user", "--email", "Boss@Example.org", "--name", "Boss"]
    made = subprocess.run(
        create, cwd=ROOT, env=env, input="a long secret\n", capture_output=True, text=True
    )
    assert made.returncode == 0, made.stderr
    assert "created admin account boss@example.org" in made.stdout
    again = subprocess.run(
        create, cwd=ROOT, env=env, input="a long secret\n", capture_output=True, text=True
    )
    assert again.returncode == 2
    assert "already an account for boss@example.org" in again.stderr
    short = subprocess.run(
        [*create[:-4], "--email", "x@example.org", "--name", "X"],
        cwd=ROOT,
        env=env,
        input="short\n",
        capture_output=True,
        text=True,
    )
    assert short.returncode == 2
    assert "at least 8 characters" in short.stderr
    engine = make_engine(f"sqlite:///{tmp_path / 'data' / 'frontdesk.db'}", keyring=TEST_KEYRING)
    user = authenticate(
        uow=UnitOfWork(engine, SystemClock()), email="boss@example.org", password="a long secret"
    )
    assert user.role == "admin"
    engine.dispose()


def test_admin_reset_password_sets_a_password_and_ends_every_session(tmp_path: Path) -> None:
    env = environment(tmp_path)
    create = [*FRONTDESK, "admin", "create-user", "--email", "ops@example.org", "--name", "Ops"]
    made = subprocess.run(create, cwd=ROOT, env=env, input="first secret\n", text=True)
    assert made.returncode == 0
    engine = make_engine(f"sqlite:///{tmp_path / 'data' / 'frontdesk.db'}", keyring=TEST_KEYRING)
    uow = UnitOfWork(engine, SystemClock())
    user = authenticate(uow=uow, email="ops@example.org", password="first secret")
    session = start_session(uow=uow, staff_id=user.id)
    reset = [*FRONTDESK, "admin", "reset-password", "--email", "ops@example.org"]
    done = subprocess.run(
        reset, cwd=ROOT, env=env, input="second secret\n", capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert "password set for ops@example.org" in done.stdout
    assert authenticate(uow=uow, email="ops@example.org", password="second secret").id == user.id
    with pytest.raises(SignInRefused):
        authenticate(uow=uow, email="ops@example.org", password="first secret")
    with pytest.raises(SessionEnded):
        staff_in_session(uow=uow, staff_id=user.id, session_id=session.session_id, token_version=0)
    unknown = subprocess.run(
        [*reset[:-1], "nobody@example.org"],
        cwd=ROOT,
        env=env,
        input="third secret\n",
        capture_output=True,
        text=True,
    )
    assert unknown.returncode == 2
    assert "No staff account for nobody@example.org" in unknown.stderr
    engine.dispose()
