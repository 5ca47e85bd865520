"""What the service keeps on disk is for its own user only: the data dir, databases, index, keys.

Built under the usual umask (022), which would leave new files readable by every user of the
machine: the practice's database, conversations and keys must not be.
"""

from __future__ import annotations

import asyncio
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from api.bootstrap import bootstrap
from api.settings import Settings
from knowledge.embeddings import MiniLMEmbedder


@pytest.fixture
def usual_umask() -> Iterator[None]:
    before = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(before)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.usefixtures("usual_umask")
def test_a_new_data_dir_and_what_the_service_keeps_in_it_are_private(
    tmp_path: Path, embedder: MiniLMEmbedder
) -> None:
    data_dir = tmp_path / "data"
    frontdesk = bootstrap(Settings.from_env({"FRONTDESK_DATA_DIR": str(data_dir)}))
    frontdesk.embedder = embedder
    try:
        assert frontdesk.secret_key
        assert frontdesk.document_key

        async def serve_once() -> None:
            async with frontdesk.serving(form_url=str):
                kept = sorted(p.name for p in data_dir.iterdir())
                assert {"frontdesk.db", "checkpoints.db", "chroma"} <= set(kept)

        asyncio.run(serve_once())
    finally:
        frontdesk.close()

    assert oct(mode(data_dir)) == oct(0o700)
    assert oct(mode(data_dir / "chroma")) == oct(0o700)
    for name in ("frontdesk.db", "checkpoints.db", "secret.key", "document.key"):
        assert (name, oct(mode(data_dir / name))) == (name, oct(0o600))
    for path in data_dir.iterdir():  # SQLite's -wal and -shm files too, while they are there
        assert (path.name, mode(path) & 0o077) == (path.name, 0)


@pytest.mark.usefixtures("usual_umask")
def test_a_sqlite_database_outside_the_data_dir_is_private_too(tmp_path: Path) -> None:
    database = tmp_path / "elsewhere" / "practice.db"
    frontdesk = bootstrap(
        Settings.from_env(
            {"FRONTDESK_DATA_DIR": str(tmp_path / "data"), "DATABASE_URL": f"sqlite:///{database}"}
        )
    )
    frontdesk.close()

    assert oct(mode(database)) == oct(0o600)
