"""Who may call what: every operation in the OpenAPI schema, by anonymous, provider and admin."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest

from testkit.api_client import ADMIN, HOFFMANN, bearer_token
from testkit.live import LiveServer, live_server

# Ways in that are open by design: signing in, asking for and using a password reset link, the
# client's signed form link, the chat's own upload (it proves itself with its chat session),
# health checks.
PUBLIC = {
    "POST /api/v1/auth/token",
    "POST /api/v1/auth/refresh",
    "POST /api/v1/auth/password-reset",
    "POST /api/v1/auth/password-reset/complete",
    "GET /api/v1/auth/methods",
    "GET /api/v1/auth/microsoft/start",
    "GET /api/v1/auth/microsoft/callback",
    "GET /forms/{form_id}",
    "GET /chat/uploads/rules",
    "POST /chat/uploads",
    "GET /healthz",
    "GET /readyz",
}
# Admins only: changing the catalog, knowledge and templates; the audit log and the figures.
ADMIN_ONLY = {
    *(f"{m} /api/v1/{r}" for r in ("categories", "services", "providers") for m in ["POST"]),
    *(f"POST /api/v1/{r}" for r in ("document-kinds", "knowledge", "document-templates")),
    *(
        f"{m} /api/v1/{r}/{{{key}}}"
        for r, key in (
            ("categories", "category_id"),
            ("services", "service_id"),
            ("providers", "provider_id"),
            ("document-kinds", "kind_id"),
            ("knowledge", "entry_id"),
            ("document-templates", "template_id"),
        )
        for m in ("PATCH", "DELETE")
    ),
    "POST /api/v1/document-templates/preview",
    "PUT /api/v1/document-templates/{template_id}/content",
    "PUT /api/v1/notification-templates/{event}/{channel}",
    "DELETE /api/v1/notification-templates/{event}/{channel}",
    "GET /api/v1/audit-events",
    "GET /api/v1/audit-events/{event_id}",
    "GET /api/v1/analytics",
    "GET /api/v1/notifications",
    "PATCH /api/v1/practice",
    "GET /api/v1/staff",
    "POST /api/v1/staff/{staff_id}/sign-out",
    "POST /api/v1/staff/{staff_id}/deactivate",
}
# Every other operation is for any staff member; a provider's own data is used below
# (their own provider id), so a refusal there would be a wrong one.
PATH_VALUES = {"provider_id": "dr-hoffmann", "event": "booking.confirmed", "channel": "sms"}
ADMIN_REFUSAL = "Only an admin may do that."


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with live_server(tmp_path_factory.mktemp("roles") / "data") as running:
        yield running


@pytest.fixture(scope="module")
def operations(server: LiveServer) -> list[str]:
    schema = httpx.get(f"{server.base_url}/openapi.json").json()
    return [f"{method.upper()} {path}" for path, item in schema["paths"].items() for method in item]


@pytest.fixture(scope="module")
def tokens(server: LiveServer) -> dict[str, str]:
    return {"admin": bearer_token(server, ADMIN), "provider": bearer_token(server, HOFFMANN)}


def call(server: LiveServer, operation: str, token: str | None) -> httpx.Response:
    method, template = operation.split(" ", 1)
    path = re.sub(r"{(\w+)}", lambda m: PATH_VALUES.get(m.group(1), "matrix-unknown"), template)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    body: dict[str, object] | None = {} if method in {"POST", "PUT", "PATCH"} else None
    return httpx.request(
        method, f"{server.base_url}{path}", headers=headers, json=body, follow_redirects=False
    )


def test_the_matrix_names_only_operations_that_exist(operations: list[str]) -> None:
    assert (PUBLIC | ADMIN_ONLY) - set(operations) == set()
    assert len(operations) > 60


def test_anonymous_callers_get_nothing_but_the_public_ways_in(
    server: LiveServer, operations: list[str]
) -> None:
    answered = {op: call(server, op, None).status_code for op in operations if op not in PUBLIC}
    assert {op: code for op, code in answered.items() if code != 401} == {}


def test_providers_are_refused_what_only_admins_may_do(
    server: LiveServer, operations: list[str], tokens: dict[str, str]
) -> None:
    for operation in sorted(ADMIN_ONLY):
        refused = call(server, operation, tokens["provider"])
        assert (operation, refused.status_code, refused.json()["detail"]) == (
            operation,
            403,
            ADMIN_REFUSAL,
        )


def test_providers_may_call_every_staff_operation(
    server: LiveServer, operations: list[str], tokens: dict[str, str]
) -> None:
    staff_operations = [op for op in operations if op not in PUBLIC | ADMIN_ONLY]
    refused = {}
    for operation in staff_operations:
        answer = call(server, operation, tokens["provider"])
        if answer.status_code in {401, 403} or answer.status_code >= 500:
            refused[operation] = (answer.status_code, answer.text[:200])
    assert refused == {}


def test_admins_may_call_everything(
    server: LiveServer, operations: list[str], tokens: dict[str, str]
) -> None:
    refused = {}
    for operation in operations:
        answer = call(server, operation, tokens["admin"])
        if answer.status_code in {401, 403} or answer.status_code >= 500:
            refused[operation] = (answer.status_code, answer.text[:200])
    assert refused == {}
