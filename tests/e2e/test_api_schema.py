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

from tests.support.api_client import ADMIN, bearer_token
from tests.support.live import LiveServer, live_server

EXAMPLES_PER_OPERATION = 25


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with live_server(tmp_path_factory.mktemp("schema") / "data") as running:
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
