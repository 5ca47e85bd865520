"""The document key every test server and test engine shares, so a database one writes
another can read (a demo database is built once and copied into each server's data dir)."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine

from domain.kernel.db import make_engine
from domain.kernel.keyring import DocumentKey, Keyring

TEST_DOCUMENT_KEY = base64.b64encode(bytes(range(100, 132))).decode()
TEST_KEYRING = Keyring(DocumentKey(base64.b64decode(TEST_DOCUMENT_KEY)))

# A key rotation's two keys, and the engines that see the database through each stage of it.
ROTATED_OUT = DocumentKey(bytes(range(32)))
ROTATED_IN = DocumentKey(bytes(range(1, 33)))


@contextmanager
def rotation_engines(database_url: str) -> Iterator[dict[str, Engine]]:
    """Engines on one database: "old" seals with the key rotated out, "rotating" with the new
    key while still opening the old, "new" with the new key alone."""
    made = {
        "old": make_engine(database_url, keyring=Keyring(ROTATED_OUT)),
        "rotating": make_engine(database_url, keyring=Keyring(ROTATED_IN, (ROTATED_OUT,))),
        "new": make_engine(database_url, keyring=Keyring(ROTATED_IN)),
    }
    try:
        yield made
    finally:
        for engine in made.values():
            engine.dispose()
