"""The document keys, by id: sealing fields and checkpoints at rest, and blind indexes.

Every key is FRONTDESK_DOCUMENT_KEY material (32 bytes). Its id is a digest of the key, so a
sealed value names the key that opens it without revealing anything of the key. One key is
current (new values are sealed with it); retired keys still open what they sealed until
`frontdesk keys rotate` has re-sealed everything with the current one.

Each use gets a key of its own derived with HKDF (fields, blind indexes, checkpoints), so a
blind index never shares a key with the ciphertexts beside it.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass, field
from functools import cached_property

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from domain.kernel.errors import DomainError

KEY_BYTES = 32
NONCE_BYTES = 12
ENVELOPE = "fd1"  # a sealed field: fd1:<key id>:<base64url of nonce, ciphertext and tag>
CHECKPOINT_CIPHER = "aesgcm"  # a sealed checkpoint's type ends in +aesgcm.<key id>


class SealedValueUnreadable(DomainError):
    """A sealed value that does not open: an unknown key, a moved value, or tampering."""

    code = "sealed_value_unreadable"


@dataclass(frozen=True)
class DocumentKey:
    """A 256-bit document key; never shown in a repr or a log."""

    secret: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if len(self.secret) != KEY_BYTES:
            raise ValueError(
                f"a document key is {KEY_BYTES} bytes, not {len(self.secret)}"
                " (make one with `openssl rand -base64 32`)"
            )

    @cached_property
    def key_id(self) -> str:
        """Eight hex digits naming the key: a keyed digest, so it says nothing of the key."""
        return hmac.new(self.secret, b"frontdesk-key-id", hashlib.sha256).hexdigest()[:8]

    def derived(self, purpose: str) -> bytes:
        """A key of this key's own for one purpose (HKDF-SHA256)."""
        return _derived(self.secret, purpose)


def _derived(secret: bytes, purpose: str) -> bytes:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=purpose.encode())
    return hkdf.derive(secret)


class Keyring:
    """The current document key and the retired ones that still open what they sealed."""

    def __init__(self, current: DocumentKey, retired: tuple[DocumentKey, ...] = ()) -> None:
        self.current = current
        self.retired = tuple(k for k in retired if k.key_id != current.key_id)
        self._keys = {k.key_id: k for k in (current, *self.retired)}
        self._field_ciphers = {kid: AESGCM(k.derived("fields-v1")) for kid, k in self._keys.items()}
        self._index_keys = {kid: k.derived("blind-index-v1") for kid, k in self._keys.items()}
        self._checkpoint_ciphers = {
            kid: AESGCM(k.derived("checkpoints-v1")) for kid, k in self._keys.items()
        }

    @classmethod
    def generate(cls) -> Keyring:
        """A keyring of one fresh key, for data that lives only as long as this process."""
        return cls(DocumentKey(secrets.token_bytes(KEY_BYTES)))

    @property
    def current_id(self) -> str:
        return self.current.key_id

    @property
    def key_ids(self) -> tuple[str, ...]:
        return tuple(self._keys)

    # --- fields ---------------------------------------------------------------------------

    def seal_field(self, plaintext: bytes, *, bound_to: str) -> str:
        """Seal a value under the current key, bound to where it is kept (table.column:row)."""
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._field_ciphers[self.current_id].encrypt(nonce, plaintext, _aad(bound_to))
        encoded = base64.urlsafe_b64encode(nonce + sealed).decode()
        return f"{ENVELOPE}:{self.current_id}:{encoded}"

    def open_field(self, envelope: str, *, bound_to: str) -> bytes:
        """Return a sealed value's plaintext, or refuse one moved, changed or of an unknown key."""
        prefix, key_id, encoded = [*envelope.split(":", 2), "", ""][:3]
        cipher = self._field_ciphers.get(key_id)
        if prefix != ENVELOPE or cipher is None:
            raise SealedValueUnreadable(
                f"A value kept in {bound_to.split(':', 1)[0]} is not sealed with a known key."
            )
        try:
            raw = base64.urlsafe_b64decode(encoded)
            return cipher.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], _aad(bound_to))
        except (InvalidTag, ValueError) as exc:
            raise SealedValueUnreadable(
                f"A value kept in {bound_to.split(':', 1)[0]} cannot be decrypted: "
                "it was changed or moved from another row."
            ) from exc

    def sealed_with_current(self, envelope: str) -> bool:
        return envelope.startswith(f"{ENVELOPE}:{self.current_id}:")

    # --- blind indexes --------------------------------------------------------------------

    def blind_index(self, value: str, *, key_id: str | None = None) -> str:
        """The keyed digest (HMAC-SHA256) of a normalised value: equal values, equal digests."""
        kid = key_id or self.current_id
        digest = hmac.new(self._index_keys[kid], normalised(value).encode(), hashlib.sha256)
        return f"{kid}:{digest.hexdigest()[:40]}"

    def blind_indexes(self, value: str) -> list[str]:
        """The value's digest under every key: a row not yet re-indexed is found as well."""
        return [self.blind_index(value, key_id=kid) for kid in self._keys]

    # --- checkpoints ----------------------------------------------------------------------

    def encrypt(self, plaintext: bytes) -> tuple[str, bytes]:
        """langgraph's CipherProtocol: seal a serialised checkpoint under the current key."""
        nonce = os.urandom(NONCE_BYTES)
        cipher = self._checkpoint_ciphers[self.current_id]
        return f"{CHECKPOINT_CIPHER}.{self.current_id}", nonce + cipher.encrypt(
            nonce, plaintext, b"frontdesk-checkpoint:v1"
        )

    def decrypt(self, ciphername: str, ciphertext: bytes) -> bytes:
        """langgraph's CipherProtocol: open a checkpoint sealed under any key of the ring."""
        name, _, key_id = ciphername.partition(".")
        cipher = self._checkpoint_ciphers.get(key_id)
        if name != CHECKPOINT_CIPHER or cipher is None:
            raise SealedValueUnreadable("A conversation checkpoint is not sealed with a known key.")
        try:
            return cipher.decrypt(
                ciphertext[:NONCE_BYTES], ciphertext[NONCE_BYTES:], b"frontdesk-checkpoint:v1"
            )
        except InvalidTag as exc:
            raise SealedValueUnreadable("A conversation checkpoint was changed.") from exc


@functools.cache
def process_keyring() -> Keyring:
    """One fresh key for this process: for databases that live no longer (evals, benchmarks)."""
    return Keyring.generate()


def normalised(value: str) -> str:
    """What a blind index is computed over: emails match whatever their letters' case."""
    return value.strip().casefold()


def _aad(bound_to: str) -> bytes:
    # Associated data: a ciphertext copied to another column or row fails to open there.
    return f"frontdesk-field:v1:{bound_to}".encode()
