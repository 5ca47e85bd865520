"""Sign in with Microsoft, end to end over real HTTP: a live server configured for a local
tenant that speaks OpenID Connect like Entra ID, and a client following every redirect as a
browser does — to the tenant's sign-in page, back to the callback, on to the console.

The server sits behind a proxy at PUBLIC_URL (FRONTDESK_PUBLIC_URL), which this test plays:
it sends what is addressed there to the live server.
"""

from __future__ import annotations

import ssl
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx
import pytest
from sqlalchemy import create_engine, text

from testkit.entra import CLIENT_ID, LocalTenant, LocalUser, local_tenant
from testkit.live import LiveServer, live_server

PUBLIC_URL = "http://frontdesk.proxy.test"
CALLBACK = f"{PUBLIC_URL}/api/v1/auth/microsoft/callback"
FLOW_COOKIE = "frontdesk_microsoft_flow"
TAB = "tab-0123456789abcdef"  # what the console tab would have made up
PAULA = LocalUser(
    email="Paula.Provider@clinic.example", name="Paula Provider", roles=("Frontdesk.Provider",)
)


@pytest.fixture(scope="module")
def tenant() -> Iterator[LocalTenant]:
    with local_tenant(https=True) as running:
        yield running


@pytest.fixture(autouse=True)
def fresh_sign_in_page(tenant: LocalTenant) -> Iterator[None]:
    yield
    tenant.sign_in.reset()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, tenant: LocalTenant) -> Iterator[LiveServer]:
    data = tmp_path_factory.mktemp("microsoft") / "data"
    env = {**tenant.sign_in_env(), "FRONTDESK_PUBLIC_URL": PUBLIC_URL}
    with live_server(data, env=env) as running:
        yield running


@pytest.fixture
def browser(tenant: LocalTenant) -> Iterator[httpx.Client]:
    """A client with its own cookie jar that trusts the tenant's certificate."""
    assert tenant.trust_bundle is not None
    trusted = ssl.create_default_context(cafile=str(tenant.trust_bundle))
    with httpx.Client(verify=trusted, follow_redirects=False, timeout=30) as client:
        yield client


@dataclass
class Journey:
    authorize: httpx.Response  # the service sending the browser to Microsoft
    callback_url: str  # where Microsoft sent the browser back
    finish: httpx.Response  # the callback sending the browser to the console

    @property
    def console_url(self) -> str:
        return self.finish.headers["location"]

    @property
    def fragment(self) -> dict[str, str]:
        return dict(parse_qsl(urlsplit(self.console_url).fragment))


def proxied(server: LiveServer, public: str) -> str:
    """The live server's address for one the proxy answers."""
    assert public.startswith(PUBLIC_URL), public
    return server.base_url + public.removeprefix(PUBLIC_URL)


def sign_in_with_microsoft(
    browser: httpx.Client,
    server: LiveServer,
    *,
    on_the_way_back: Callable[[str], str] = lambda url: url,
) -> Journey:
    start = browser.get(f"{server.base_url}/api/v1/auth/microsoft/start", params={"tab": TAB})
    assert start.status_code == 302, start.text
    at_microsoft = browser.get(start.headers["location"])
    assert at_microsoft.status_code == 302, at_microsoft.text
    callback_url = on_the_way_back(at_microsoft.headers["location"])
    finish = browser.get(proxied(server, callback_url))
    assert finish.status_code == 302, finish.text
    return Journey(start, callback_url, finish)


def me(server: LiveServer, token: str) -> httpx.Response:
    return httpx.get(
        f"{server.base_url}/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"}
    )


def accounts_named(server: LiveServer, email: str) -> int:
    engine = create_engine(f"sqlite:///{server.log_path.parent / 'frontdesk.db'}")
    with engine.connect() as db:
        count: int = db.execute(
            text("SELECT count(*) FROM staff_users WHERE email = :email"), {"email": email}
        ).scalar_one()
    engine.dispose()
    return count


def assert_refused(journey: Journey, failure: str) -> None:
    assert journey.console_url.startswith(f"{PUBLIC_URL}/console#")
    assert journey.fragment == {"sign_in_error": failure}


def test_the_console_is_told_microsoft_sign_in_is_on(server: LiveServer) -> None:
    methods = httpx.get(f"{server.base_url}/api/v1/auth/methods")
    assert methods.json() == {"password": True, "microsoft": True}


def test_an_admin_signs_in_with_microsoft_and_the_console_gets_our_tokens(
    browser: httpx.Client, server: LiveServer, tenant: LocalTenant
) -> None:
    journey = sign_in_with_microsoft(browser, server)

    authorize = httpx.URL(journey.authorize.headers["location"])
    asked = dict(authorize.params)
    assert str(authorize.copy_with(query=None)) == tenant.authorize_endpoint
    assert asked["client_id"] == CLIENT_ID
    assert asked["redirect_uri"] == CALLBACK  # the public address, not the server's own
    assert asked["response_type"] == "code"
    assert asked["code_challenge_method"] == "S256"
    assert {"openid", "profile"} <= set(asked["scope"].split())
    assert asked["nonce"]
    assert asked["state"]
    flow_cookie = journey.authorize.headers["set-cookie"]
    assert flow_cookie.startswith(f"{FLOW_COOKIE}=")
    for attribute in ("HttpOnly", "Max-Age=600", "Path=/api/v1/auth/microsoft", "SameSite=lax"):
        assert attribute in flow_cookie
    assert journey.callback_url.startswith(f"{CALLBACK}?")

    assert journey.finish.headers["cache-control"] == "no-store"
    console = urlsplit(journey.console_url)
    assert (console.path, console.query) == ("/console", "")  # tokens never in the query
    fragment = journey.fragment
    assert (fragment["token_type"], fragment["expires_in"], fragment["tab"]) == (
        "bearer",
        "1800",
        TAB,
    )
    answer = me(server, fragment["access_token"])
    assert answer.status_code == 200, answer.text
    assert (answer.json()["email"], answer.json()["name"], answer.json()["role"]) == (
        "ines.admin@clinic.example",
        "Ines Admin",
        "admin",
    )
    assert FLOW_COOKIE not in browser.cookies  # one flow, one sign-in
    assert fragment["access_token"] not in server.log()


def test_the_directory_decides_the_role_of_the_same_account(
    browser: httpx.Client, server: LiveServer, tenant: LocalTenant
) -> None:
    tenant.sign_in.user = PAULA
    first = me(server, sign_in_with_microsoft(browser, server).fragment["access_token"]).json()
    assert (first["email"], first["role"]) == ("paula.provider@clinic.example", "provider")

    tenant.sign_in.user = LocalUser(email=PAULA.email, name=PAULA.name, roles=("Frontdesk.Admin",))
    again = me(server, sign_in_with_microsoft(browser, server).fragment["access_token"]).json()
    assert (again["id"], again["role"]) == (first["id"], "admin")


def test_cancelling_at_microsoft_ends_on_the_console_with_no_tokens(
    browser: httpx.Client, server: LiveServer, tenant: LocalTenant
) -> None:
    tenant.sign_in.user = None
    journey = sign_in_with_microsoft(browser, server)
    assert "error=access_denied" in journey.callback_url
    assert_refused(journey, "cancelled")


def test_an_account_without_a_frontdesk_role_is_refused_and_not_made(
    browser: httpx.Client, server: LiveServer, tenant: LocalTenant
) -> None:
    tenant.sign_in.user = LocalUser(email="walter.visitor@clinic.example", roles=())
    assert_refused(sign_in_with_microsoft(browser, server), "no_role")
    assert accounts_named(server, "walter.visitor@clinic.example") == 0


def test_a_client_secret_microsoft_no_longer_holds_is_refused(
    browser: httpx.Client, server: LiveServer, tenant: LocalTenant
) -> None:
    tenant.sign_in.client_secret = "rotated-in-the-portal"
    assert_refused(sign_in_with_microsoft(browser, server), "refused")
    assert "invalid_client" in server.log()  # the operator learns why


def test_an_answer_with_a_tampered_state_is_refused(
    browser: httpx.Client, server: LiveServer
) -> None:
    def tamper(url: str) -> str:
        answer = dict(parse_qsl(urlsplit(url).query))
        answer["state"] = answer["state"][::-1]
        return f"{CALLBACK}?{urlencode(answer)}"

    assert_refused(sign_in_with_microsoft(browser, server, on_the_way_back=tamper), "mismatch")


def test_a_code_is_redeemed_once(browser: httpx.Client, server: LiveServer) -> None:
    start = browser.get(f"{server.base_url}/api/v1/auth/microsoft/start")
    flow = browser.cookies[FLOW_COOKIE]
    callback_url = browser.get(start.headers["location"]).headers["location"]
    first = browser.get(proxied(server, callback_url))
    assert "access_token=" in first.headers["location"]

    replay = httpx.get(proxied(server, callback_url), cookies={FLOW_COOKIE: flow})
    assert replay.status_code == 302
    assert replay.headers["location"] == f"{PUBLIC_URL}/console#sign_in_error=refused"


def test_an_answer_without_the_flow_that_asked_is_refused(
    browser: httpx.Client, server: LiveServer
) -> None:
    start = browser.get(f"{server.base_url}/api/v1/auth/microsoft/start")
    callback_url = browser.get(start.headers["location"]).headers["location"]
    for cookies in ({}, {FLOW_COOKIE: "gAAAAA-forged"}):  # another browser; a forged flow
        answer = httpx.get(proxied(server, callback_url), cookies=cookies)
        assert answer.headers["location"] == f"{PUBLIC_URL}/console#sign_in_error=expired"


def test_a_malformed_tab_is_refused_by_field(server: LiveServer) -> None:
    refused = httpx.get(
        f"{server.base_url}/api/v1/auth/microsoft/start", params={"tab": "<script>"}
    )
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["loc"] == ["query", "tab"]
