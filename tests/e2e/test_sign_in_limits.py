"""Failed sign-ins against a real uvicorn: counted before the hash, across requests arriving at
once, and keyed so a stranger cannot lock a person out (issue 16, items 3 and 7)."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from testkit.live import DEMO_PASSWORD, LiveServer, live_server
from tests.conftest import fresh_database_url

ATTEMPTS_AT_ONCE = 40
PER_ACCOUNT_AND_ADDRESS = 5
PER_ACCOUNT_FROM_NEW_PLACES = 20


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    return fresh_database_url(request, tmp_path_factory.mktemp("db"), request.param)


@pytest.fixture(scope="module")
def server(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    data_dir = tmp_path_factory.mktemp("sign-in-limits") / "data"
    with live_server(data_dir, database_url=database_url) as running:
        yield running


def client_from(
    server: LiveServer, address: str, cookies: httpx.Cookies | None = None
) -> httpx.Client:
    """A client whose connections come from `address` (any of 127.0.0.0/8 reaches the server)."""
    return httpx.Client(
        base_url=server.base_url,
        transport=httpx.HTTPTransport(local_address=address),
        cookies=cookies,
        timeout=60,
    )


def sign_in(client: httpx.Client, email: str, password: str = DEMO_PASSWORD) -> httpx.Response:
    return client.post("/api/v1/auth/token", data={"username": email, "password": password})


def test_forty_simultaneous_guesses_are_not_all_checked(server: LiveServer) -> None:
    email = "dr-lehmann@demo.frontdesk"
    # The right password is the last guess: before, every guess was checked, and it got in.
    guesses = [f"wrong-guess-{n}" for n in range(ATTEMPTS_AT_ONCE - 1)] + [DEMO_PASSWORD]
    with (
        client_from(server, "127.0.0.11") as client,
        ThreadPoolExecutor(ATTEMPTS_AT_ONCE) as pool,
    ):
        answers = list(pool.map(lambda guess: sign_in(client, email, guess).status_code, guesses))
    checked = [code for code in answers if code != 429]
    assert len(checked) <= PER_ACCOUNT_AND_ADDRESS, answers
    assert set(checked) <= {200, 401}
    assert answers.count(429) >= ATTEMPTS_AT_ONCE - PER_ACCOUNT_AND_ADDRESS


def test_a_strangers_failures_do_not_lock_the_owner_out(server: LiveServer) -> None:
    email = "dr-schubert@demo.frontdesk"
    with client_from(server, "127.0.0.21") as stranger:
        for _ in range(PER_ACCOUNT_AND_ADDRESS):
            assert sign_in(stranger, email, "guess-guess").status_code == 401
        assert sign_in(stranger, email).status_code == 429  # that address waits, right or not
    with client_from(server, "127.0.0.22") as owner:
        assert sign_in(owner, email).status_code == 200


def test_guessing_from_many_addresses_slows_new_places_but_not_the_owners_devices(
    server: LiveServer,
) -> None:
    email = "dr-krause@demo.frontdesk"
    with client_from(server, "127.0.0.31") as owner_browser:
        assert sign_in(owner_browser, email).status_code == 200  # keeps the device cookie
        addresses = [f"127.0.1.{n}" for n in range(1, PER_ACCOUNT_FROM_NEW_PLACES + 1)]
        for address in addresses:
            with client_from(server, address) as stranger:
                assert sign_in(stranger, email, "guess-guess").status_code == 401
        with client_from(server, "127.0.0.32") as new_place:
            slowed = sign_in(new_place, email)
            assert slowed.status_code == 429
            assert int(slowed.headers["Retry-After"]) > 60
        # The owner's browser, even from yet another address, still gets in with the password.
        with client_from(server, "127.0.0.33", owner_browser.cookies) as moved:
            assert sign_in(moved, email).status_code == 200
    # As does a client without the cookie from an address the account signed in from before.
    with client_from(server, "127.0.0.31") as known_address:
        assert sign_in(known_address, email).status_code == 200


def test_unknown_and_known_accounts_get_the_same_answers(server: LiveServer) -> None:
    known, unknown = "dr-neumann@demo.frontdesk", "nobody-here@demo.frontdesk"
    answers: dict[str, list[tuple[int, str, bool]]] = {}
    for email in (known, unknown):
        with client_from(server, "127.0.0.41") as client:
            answers[email] = [
                (
                    answer.status_code,
                    answer.json()["detail"],
                    "Retry-After" in answer.headers,
                )
                for answer in (
                    sign_in(client, email, "guess-guess")
                    for _ in range(PER_ACCOUNT_AND_ADDRESS + 1)
                )
            ]
    assert answers[known] == answers[unknown]
    assert answers[known][0] == (401, "Wrong email or password.", False)
    assert answers[known][-1][0] == 429


# Several app processes run on PostgreSQL only: a second server on one SQLite file refuses to
# start (tests/e2e/test_several_processes.py).
@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_the_limits_hold_across_app_processes(
    server: LiveServer, database_url: str, tmp_path: Path
) -> None:
    """A second app on the same database (another process, as far as counting goes) sees the
    first one's count."""
    email = "physio-fischer@demo.frontdesk"
    with client_from(server, "127.0.0.51") as client:
        for _ in range(PER_ACCOUNT_AND_ADDRESS):
            assert sign_in(client, email, "guess-guess").status_code == 401
    with (
        live_server(tmp_path / "second", database_url=database_url) as other,
        client_from(other, "127.0.0.51") as client,
    ):
        assert sign_in(client, email).status_code == 429
