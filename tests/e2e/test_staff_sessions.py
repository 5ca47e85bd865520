"""Account changes end access at once, against a real uvicorn over HTTP and websockets: refresh
tokens rotate and a reused one ends its session; deactivation, a password changed or reset and
an admin's "sign out everywhere" end every token and open console (issue 16, item 6)."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator

import httpx
import pytest
from sqlalchemy import update
from sqlmodel import col
from websockets.exceptions import ConnectionClosed

from domain.kernel.db import make_engine
from domain.models import StaffUser
from testkit.api_client import ADMIN
from testkit.console_client import ConsoleClient, sign_in
from testkit.keys import TEST_KEYRING
from testkit.live import DEMO_PASSWORD, LiveServer, live_server

UNAUTHORIZED = 4401


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with live_server(tmp_path_factory.mktemp("sessions") / "data") as running:
        yield running


@pytest.fixture(scope="module")
def admin(server: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"{server.base_url}/api/v1", timeout=30) as client:
        tokens = sign_in(server, ADMIN).json()
        client.headers["Authorization"] = f"Bearer {tokens['access_token']}"
        yield client


def tokens_of(server: LiveServer, email: str, password: str = DEMO_PASSWORD) -> dict[str, str]:
    signed_in = sign_in(server, email, password)
    assert signed_in.status_code == 200, signed_in.text
    tokens: dict[str, str] = signed_in.json()
    return tokens


def me(server: LiveServer, access_token: str) -> httpx.Response:
    return httpx.get(
        f"{server.base_url}/api/v1/auth/me", headers={"Authorization": f"Bearer {access_token}"}
    )


def refresh(server: LiveServer, refresh_token: str) -> httpx.Response:
    return httpx.post(
        f"{server.base_url}/api/v1/auth/refresh", data={"refresh_token": refresh_token}
    )


def staff_id(admin: httpx.Client, email: str) -> str:
    accounts = admin.get("/staff", params={"limit": 200}).json()["items"]
    return str(next(account["id"] for account in accounts if account["email"] == email))


def closed_code(console: ConsoleClient, timeout: float = 10) -> int | None:
    """Wait for the server to close the console's socket; return the close code it sent."""
    closed = closed_with(console, timeout)
    return closed.rcvd.code if closed.rcvd else None


def closed_with(console: ConsoleClient, timeout: float = 10) -> ConnectionClosed:
    """Wait for the server to close the console's socket; return how it closed it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            console.receive(timeout)
        except ConnectionClosed as closed:
            return closed
    raise AssertionError("the console's socket stayed open")


class TestRefreshTokens:
    def test_a_refresh_token_works_once_and_is_replaced(self, server: LiveServer) -> None:
        first = tokens_of(server, "dr-hoffmann@demo.frontdesk")
        second = refresh(server, first["refresh_token"])
        assert second.status_code == 200, second.text
        assert second.json()["refresh_token"] != first["refresh_token"]
        assert me(server, second.json()["access_token"]).status_code == 200
        assert refresh(server, second.json()["refresh_token"]).status_code == 200

    def test_a_reused_refresh_token_ends_the_whole_session(self, server: LiveServer) -> None:
        stolen = tokens_of(server, "dr-yilmaz@demo.frontdesk")
        owner = refresh(server, stolen["refresh_token"]).json()
        reused = refresh(server, stolen["refresh_token"])
        assert reused.status_code == 401
        assert "Sign in again" in reused.json()["detail"]
        # Everything that session issued stops working, the owner's new tokens included.
        assert refresh(server, owner["refresh_token"]).status_code == 401
        assert me(server, owner["access_token"]).status_code == 401
        assert me(server, stolen["access_token"]).status_code == 401
        # Other sessions of the same account go on.
        elsewhere = tokens_of(server, "dr-yilmaz@demo.frontdesk")
        assert me(server, elsewhere["access_token"]).status_code == 200


class TestEndingEveryToken:
    def test_deactivation_ends_tokens_refresh_tokens_and_the_open_console(
        self, server: LiveServer, admin: httpx.Client
    ) -> None:
        email = "dr-lehmann@demo.frontdesk"
        tokens = tokens_of(server, email)
        with ConsoleClient(server, email) as console:
            done = admin.post(f"/staff/{staff_id(admin, email)}/deactivate")
            assert done.status_code == 200, done.text
            assert done.json()["active"] is False
            assert closed_code(console) == UNAUTHORIZED
        assert me(server, tokens["access_token"]).status_code == 401
        assert refresh(server, tokens["refresh_token"]).status_code == 401
        assert sign_in(server, email).status_code == 401

    def test_an_admin_signs_someone_out_everywhere(
        self, server: LiveServer, admin: httpx.Client
    ) -> None:
        email = "dr-schubert@demo.frontdesk"
        before = [tokens_of(server, email), tokens_of(server, email)]
        with ConsoleClient(server, email) as console:
            assert admin.post(f"/staff/{staff_id(admin, email)}/sign-out").status_code == 200
            assert closed_code(console) == UNAUTHORIZED
        for tokens in before:
            assert me(server, tokens["access_token"]).status_code == 401
            assert refresh(server, tokens["refresh_token"]).status_code == 401
        assert me(server, tokens_of(server, email)["access_token"]).status_code == 200

    def test_changing_a_password_ends_every_other_session(self, server: LiveServer) -> None:
        email = "dr-krause@demo.frontdesk"
        other = tokens_of(server, email)
        here = tokens_of(server, email)
        with ConsoleClient(server, email) as console:
            changed = httpx.post(
                f"{server.base_url}/api/v1/auth/password",
                headers={"Authorization": f"Bearer {here['access_token']}"},
                json={"current_password": DEMO_PASSWORD, "new_password": "a-new-secret-1"},
            )
            assert changed.status_code == 200, changed.text
            assert closed_code(console) == UNAUTHORIZED
        for old in (other, here):
            assert me(server, old["access_token"]).status_code == 401
            assert refresh(server, old["refresh_token"]).status_code == 401
        assert me(server, changed.json()["access_token"]).status_code == 200
        assert sign_in(server, email).status_code == 401
        assert sign_in(server, email, "a-new-secret-1").status_code == 200

    def test_a_wrong_current_password_changes_nothing(self, server: LiveServer) -> None:
        email = "dr-neumann@demo.frontdesk"
        tokens = tokens_of(server, email)
        refused = httpx.post(
            f"{server.base_url}/api/v1/auth/password",
            headers={"Authorization": f"Bearer {tokens['access_token']}"},
            json={"current_password": "not-it-at-all", "new_password": "a-new-secret-2"},
        )
        assert refused.status_code == 422
        assert refused.json()["field"] == "current_password"
        assert me(server, tokens["access_token"]).status_code == 200
        assert sign_in(server, email).status_code == 200

    def test_a_console_ended_by_another_process_closes_at_its_next_frame(
        self, server: LiveServer
    ) -> None:
        email = "lawyer-vogel@demo.frontdesk"
        with ConsoleClient(server, email) as console:
            # What another app process signing them out leaves: only the token version tells.
            other = make_engine(
                f"sqlite:///{server.log_path.parent / 'frontdesk.db'}", keyring=TEST_KEYRING
            )
            try:
                with other.begin() as connection:
                    connection.execute(
                        update(StaffUser)
                        .where(col(StaffUser.email) == email)
                        .values(token_version=col(StaffUser.token_version) + 1)
                    )
            finally:
                other.dispose()
            console.socket.send('{"type": "ping"}')
            assert closed_code(console) == UNAUTHORIZED


class TestPasswordReset:
    def link_in_log(self, server: LiveServer, email: str) -> str:
        found = re.findall(
            rf"password reset link for staff \S+ by email to {re.escape(email)}: (\S+)",
            server.log(),
        )
        assert found, "no reset link in the server log"
        return str(found[-1])

    def ask(self, server: LiveServer, email: str) -> httpx.Response:
        return httpx.post(f"{server.base_url}/api/v1/auth/password-reset", json={"email": email})

    def complete(self, server: LiveServer, token: str, password: str) -> httpx.Response:
        return httpx.post(
            f"{server.base_url}/api/v1/auth/password-reset/complete",
            json={"token": token, "new_password": password},
        )

    def test_a_link_by_email_sets_a_new_password_once_and_ends_every_session(
        self, server: LiveServer
    ) -> None:
        email = "physio-fischer@demo.frontdesk"
        before = tokens_of(server, email)
        with ConsoleClient(server, email) as console:
            asked = self.ask(server, email)
            assert asked.status_code == 202
            link = _wait_for(lambda: self.link_in_log(server, email))
            assert link.startswith("/console/reset-password#token=")
            token = link.split("#token=", 1)[1]
            done = self.complete(server, token, "chosen-by-link-1")
            assert done.status_code == 200, done.text
            assert closed_code(console) == UNAUTHORIZED
        assert me(server, before["access_token"]).status_code == 401
        assert refresh(server, before["refresh_token"]).status_code == 401
        assert sign_in(server, email, "chosen-by-link-1").status_code == 200
        again = self.complete(server, token, "chosen-by-link-2")
        assert again.status_code == 422
        assert again.json()["detail"] == "That link does not work any more; ask for a new one."
        assert sign_in(server, email, "chosen-by-link-2").status_code == 401

    def test_unknown_and_known_emails_get_the_same_answer(self, server: LiveServer) -> None:
        known = self.ask(server, "dr-yilmaz@demo.frontdesk")
        unknown = self.ask(server, "no-such-person@demo.frontdesk")
        assert (known.status_code, known.json()) == (unknown.status_code, unknown.json())
        assert "no-such-person" not in server.log()

    def test_the_reset_page_is_served(self, server: LiveServer) -> None:
        page = httpx.get(f"{server.base_url}/console/reset-password")
        assert page.status_code == 200
        assert "/static/reset-password.js" in page.text


def _wait_for(find: Callable[[], str], seconds: float = 10) -> str:
    """What `find` returns once it stops failing (the log courier writes every half second)."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            return find()
        except AssertionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
