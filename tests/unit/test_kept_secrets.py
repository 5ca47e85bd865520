"""Keys made on first start: one per data dir, whole, private, whoever starts first."""

from __future__ import annotations

import stat
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from api.bootstrap import kept_secret


def test_processes_starting_together_all_keep_the_first_secret(tmp_path: Path) -> None:
    path = tmp_path / "document.key"
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda n: kept_secret(path, f"secret-{n}"), range(32)))
    assert path.read_text().startswith("secret-")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["document.key"]  # no temporary left over


def test_a_kept_secret_is_never_replaced(tmp_path: Path) -> None:
    path = tmp_path / "secret.key"
    kept_secret(path, "first")
    kept_secret(path, "second")
    assert path.read_text() == "first"
