"""Encryption at rest of the files clients send: AES-256-GCM, bound to the row it belongs to."""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from domain.kernel.errors import DomainError
from domain.kernel.keyring import KEY_BYTES, NONCE_BYTES, DocumentKey, Keyring

__all__ = ["KEY_BYTES", "DocumentKey", "DocumentUnreadable", "seal", "unseal"]


class DocumentUnreadable(DomainError):
    """Stored bytes that do not decrypt: another key, a moved row, or tampering."""

    code = "document_unreadable"


def _bound_to(document_id: str, client_id: str) -> bytes:
    # Associated data: a ciphertext copied into another row, or another client's, fails to open.
    return f"frontdesk-document:v1:{document_id}:{client_id}".encode()


def seal(key: DocumentKey, plaintext: bytes, *, document_id: str, client_id: str) -> bytes:
    """Return a fresh nonce followed by the ciphertext and its tag."""
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(key.secret).encrypt(nonce, plaintext, _bound_to(document_id, client_id))
    return nonce + sealed


def unseal(key: DocumentKey | Keyring, sealed: bytes, *, document_id: str, client_id: str) -> bytes:
    """Return the plaintext, or refuse bytes that were changed, moved or sealed with another key.

    With a keyring, a file sealed with a retired key opens too (until `frontdesk keys rotate`).
    """
    nonce, ciphertext = sealed[:NONCE_BYTES], sealed[NONCE_BYTES:]
    keys = [key.current, *key.retired] if isinstance(key, Keyring) else [key]
    for each in keys:
        try:
            return AESGCM(each.secret).decrypt(nonce, ciphertext, _bound_to(document_id, client_id))
        except (InvalidTag, ValueError):
            continue
    raise DocumentUnreadable(
        "This document cannot be decrypted: it was changed, or sealed with another key."
    )
