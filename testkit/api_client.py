"""httpx clients signed in to a live server's REST API as a given staff member."""

from __future__ import annotations

import httpx

from testkit.processes import DEMO_PASSWORD, LiveServer

ADMIN = "admin@demo.frontdesk"
HOFFMANN = "dr-hoffmann@demo.frontdesk"
YILMAZ = "dr-yilmaz@demo.frontdesk"


def bearer_token(server: LiveServer, email: str, password: str = DEMO_PASSWORD) -> str:
    signed_in = httpx.post(
        f"{server.base_url}/api/v1/auth/token", data={"username": email, "password": password}
    )
    assert signed_in.status_code == 200, signed_in.text
    token: str = signed_in.json()["access_token"]
    return token


def api_client(server: LiveServer, email: str | None) -> httpx.Client:
    """A client for /api/v1 signed in as `email`, or anonymous when it is None."""
    headers = {"Authorization": f"Bearer {bearer_token(server, email)}"} if email else {}
    return httpx.Client(base_url=f"{server.base_url}/api/v1", headers=headers, timeout=30)


def if_match(response: httpx.Response) -> dict[str, str]:
    """The If-Match header that makes a change from the version this response showed."""
    return {"If-Match": response.headers["ETag"]}
