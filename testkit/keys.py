"""The document key every test server and test engine shares, so a database one writes
another can read (a demo database is built once and copied into each server's data dir)."""

from __future__ import annotations

import base64

from domain.kernel.keyring import DocumentKey, Keyring

TEST_DOCUMENT_KEY = base64.b64encode(bytes(range(100, 132))).decode()
TEST_KEYRING = Keyring(DocumentKey(base64.b64decode(TEST_DOCUMENT_KEY)))
