"""Settings read once from the environment into one object."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read FRONTDESK_DATA_DIR and DATABASE_URL, defaulting to a SQLite file in ./data."""
        env = os.environ if env is None else env
        data_dir = Path(env.get("FRONTDESK_DATA_DIR") or "./data").expanduser().resolve()
        database_url = env.get("DATABASE_URL") or f"sqlite:///{data_dir / 'frontdesk.db'}"
        return cls(data_dir=data_dir, database_url=_with_psycopg_driver(database_url))


def _with_psycopg_driver(url: str) -> str:
    """Let a plain postgresql:// URL (as most hosts hand out) use psycopg 3."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url
