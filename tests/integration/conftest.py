"""Integration tests run each test on SQLite and on the suite's own PostgreSQL server."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import fresh_database_url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return fresh_database_url(request, tmp_path, request.param)
