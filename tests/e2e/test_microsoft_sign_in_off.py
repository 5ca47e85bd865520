"""A server with no Microsoft tenant configured offers only passwords: the console is told so
(and shows no Microsoft button), and the sign-in routes answer 404 with a reason."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from testkit.live import LiveServer, live_server


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with live_server(tmp_path_factory.mktemp("microsoft-off") / "data") as running:
        yield running


def test_the_console_is_told_only_passwords_are_offered(server: LiveServer) -> None:
    methods = httpx.get(f"{server.base_url}/api/v1/auth/methods")
    assert methods.status_code == 200
    assert methods.json() == {"password": True, "microsoft": False}


@pytest.mark.parametrize("step", ["start", "callback?code=abc&state=xyz"])
def test_the_microsoft_routes_answer_not_found_with_a_reason(server: LiveServer, step: str) -> None:
    answer = httpx.get(f"{server.base_url}/api/v1/auth/microsoft/{step}")
    assert answer.status_code == 404
    assert answer.json() == {"detail": "Sign-in with Microsoft is not configured on this server."}
    assert "set-cookie" not in answer.headers
