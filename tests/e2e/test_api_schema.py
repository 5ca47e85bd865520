"""Property-based requests from the OpenAPI schema, as an admin: the API never answers 5xx."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.core.result import Ok

from testkit.api_client import ADMIN, api_client, bearer_token
from testkit.processes import LiveServer, live_process
from tests.conftest import fresh_database_url

EXAMPLES_PER_OPERATION = 25


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    # PostgreSQL refuses some text SQLite keeps (a NUL character): both must answer 4xx.
    database_url = fresh_database_url(request, tmp_path_factory.mktemp("db"), request.param)
    data_dir = tmp_path_factory.mktemp("schema") / "data"
    # A server process of its own: Hypothesis making requests and the server answering them
    # then run side by side, where in this process they would take turns at one interpreter.
    with live_process(data_dir, database_url=database_url) as running:
        yield running


def failures_of(
    operation: schemathesis.APIOperation[Any, Any, Any, Any],
    mode: GenerationMode,
    server: LiveServer,
    token: str,
) -> tuple[int, list[str]]:
    """Send generated requests for one operation; return how many, and how 5xx were provoked."""
    found: list[str] = []
    sent = 0

    # schemathesis' own pytest plugin reads pytest internals that pytest 9 dropped, so the
    # operations are driven here with Hypothesis directly.
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case: schemathesis.Case[Any]) -> None:
        nonlocal sent
        sent += 1
        try:
            case.call_and_validate(
                base_url=server.base_url,
                headers={"Authorization": f"Bearer {token}"},
                checks=[not_a_server_error],
            )
        except FailureGroup as failure:
            found.append(f"{operation.label}: {failure}\n{case.as_curl_command()}")

    try:
        run()
    except Unsatisfiable:
        # Nothing about an operation without parameters or body can break its schema.
        assert mode is GenerationMode.NEGATIVE, operation.label
    return sent, found


def test_no_request_the_schema_allows_gets_a_server_error(server: LiveServer) -> None:
    token = bearer_token(server, ADMIN)
    schema = schemathesis.openapi.from_url(f"{server.base_url}/openapi.json")
    described = list(schema.get_all_operations())
    operations = [result.ok() for result in described if isinstance(result, Ok)]
    assert len(operations) == len(described), "some operations are described wrongly"
    assert len(operations) > 10  # the whole admin API, not an empty schema
    sent, failures = 0, list[str]()
    # Valid requests, then requests that break the schema (which must be refused, not crash).
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
        for operation in operations:
            count, found = failures_of(operation, mode, server, token)
            sent, failures = sent + count, failures + found
    assert sent > 5 * len(operations)
    assert failures == [], "\n\n".join(failures[:10]) + Path(server.log_path).read_text()[-3000:]


@pytest.mark.parametrize(
    "path",
    [
        "/categories/a%00b",
        "/clients/a%00b",
        "/bookings?client=a%00b",
        "/categories?q=%00",
        "/audit-events?subject_id=%00",
    ],
)
def test_a_nul_character_is_refused_not_a_server_error(server: LiveServer, path: str) -> None:
    with api_client(server, ADMIN) as admin:
        answer = admin.get(path)
    assert 400 <= answer.status_code < 500, answer.text


def test_a_nul_character_in_a_new_record_is_refused_and_nothing_is_kept(server: LiveServer) -> None:
    with api_client(server, ADMIN) as admin:
        refused = admin.post("/categories", json={"id": "nul-name", "name": "a\u0000b"})
        assert refused.status_code == 422, refused.text
        assert admin.get("/categories/nul-name").status_code == 404


def test_at_most_twenty_actions_may_be_asked_of_the_audit_log(server: LiveServer) -> None:
    with api_client(server, ADMIN) as admin:
        many = admin.get("/audit-events", params=[("action", f"a{n}") for n in range(21)])
        enough = admin.get("/audit-events", params=[("action", f"a{n}") for n in range(20)])
    assert (many.status_code, enough.status_code) == (422, 200)
