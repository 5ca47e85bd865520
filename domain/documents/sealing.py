"""Encryption at rest of the files clients send: AES-256-GCM, bound to the row it belongs to."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from domain.kernel.errors import DomainError

KEY_BYTES = 32
NONCE_BYTES = 12


class DocumentUnreadable(DomainError):
    """Stored bytes that do not decrypt: another key, a moved row, or tampering."""

    code = "document_unreadable"


@dataclass(frozen=True)
class DocumentKey:
    """The 256-bit key documents are sealed with; never shown in a repr or a log."""

    secret: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if len(self.secret) != KEY_BYTES:
            raise ValueError(
                f"a document key is {KEY_BYTES} bytes, not {len(self.secret)}"
                " (make one with `openssl rand -base64 32`)"
            )


def _bound_to(document_id: str, client_id: str) -> bytes:
    # Associated data: a ciphertext copied into another row, or another client's, fails to open.
    return f"frontdesk-document:v1:{document_id}:{client_id}".encode()


def seal(key: DocumentKey, plaintext: bytes, *, document_id: str, client_id: str) -> bytes:
    """Return a fresh nonce followed by the ciphertext and its tag."""
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(key.secret).encrypt(nonce, plaintext, _bound_to(document_id, client_id))
    return nonce + sealed


def unseal(key: DocumentKey, sealed: bytes, *, document_id: str, client_id: str) -> bytes:
    """Return the plaintext, or refuse bytes that were changed, moved or sealed with another key."""
    nonce, ciphertext = sealed[:NONCE_BYTES], sealed[NONCE_BYTES:]
    try:
        return AESGCM(key.secret).decrypt(nonce, ciphertext, _bound_to(document_id, client_id))
    except (InvalidTag, ValueError) as exc:
        raise DocumentUnreadable(
            "This document cannot be decrypted: it was changed, or sealed with another key."
        ) from exc
