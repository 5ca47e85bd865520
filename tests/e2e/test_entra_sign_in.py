"""A real server configured for Microsoft Entra ID accepts the tenant's tokens on the API and
the console socket, and still its own staff tokens; forged ones get 401."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest
from websockets.sync.client import connect

from testkit.console_client import sign_in
from testkit.entra import LocalTenant, local_tenant
from testkit.live import LiveServer, live_server


@pytest.fixture(scope="module")
def tenant() -> Iterator[LocalTenant]:
    with local_tenant() as running:
        yield running


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, tenant: LocalTenant) -> Iterator[LiveServer]:
    data = tmp_path_factory.mktemp("entra") / "data"
    with live_server(data, env=tenant.env()) as running:
        yield running


def me(server: LiveServer, token: str) -> httpx.Response:
    return httpx.get(
        f"{server.base_url}/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"}
    )


def test_an_entra_token_signs_a_provider_in_on_the_api_and_the_console(
    server: LiveServer, tenant: LocalTenant
) -> None:
    token = tenant.token(email="Paula.Provider@clinic.example", roles=("Frontdesk.Provider",))
    answer = me(server, token)
    assert answer.status_code == 200, answer.text
    assert (answer.json()["email"], answer.json()["role"]) == (
        "paula.provider@clinic.example",
        "provider",
    )
    with connect(f"{server.ws_url}/ws/console?token={token}") as console:
        hello = json.loads(console.recv(timeout=30))
    assert hello["me"]["role"] == "provider"


def test_a_token_from_another_key_is_refused_and_local_accounts_still_work(
    server: LiveServer, tenant: LocalTenant
) -> None:
    header, payload, _ = tenant.token().split(".")
    forged = f"{header}.{payload}.{'A' * 342}"
    assert me(server, forged).status_code == 401
    local = sign_in(server, "admin@demo.frontdesk").json()["access_token"]
    assert me(server, local).json()["role"] == "admin"
