"""A SQLite file from an older release is refused by name, not half-used."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from domain.kernel.db import OutdatedSchema, make_engine
from domain.kernel.migrate import upgrade_schema
from testkit.keys import TEST_KEYRING
from testkit.live import ROOT


def older_database(path: Path) -> str:
    url = f"sqlite:///{path}"
    engine = make_engine(url, keyring=TEST_KEYRING)
    upgrade_schema(engine)
    with engine.begin() as connection:
        connection.execute(text("ALTER TABLE clients DROP COLUMN version"))
    engine.dispose()
    return url


def test_a_file_lacking_a_column_is_refused_naming_it(tmp_path: Path) -> None:
    engine = make_engine(older_database(tmp_path / "old.db"), keyring=TEST_KEYRING)
    with pytest.raises(OutdatedSchema, match=r"lacks clients\.version"):
        upgrade_schema(engine)
    engine.dispose()


def test_the_command_line_says_so_without_a_traceback(tmp_path: Path) -> None:
    url = older_database(tmp_path / "old.db")
    done = subprocess.run(
        [sys.executable, "-m", "api.cli", "db", "upgrade"],
        cwd=ROOT,
        env={"DATABASE_URL": url, "FRONTDESK_DATA_DIR": str(tmp_path), "PATH": ""},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert "made by an older Frontdesk and lacks clients.version" in done.stderr
    assert "Traceback" not in done.stderr
