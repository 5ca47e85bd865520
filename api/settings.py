"""Settings read once from the environment into one object."""

from __future__ import annotations

import base64
import binascii
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from agent.models import ModelKind, ModelSettings
from domain.filetypes import MAX_UPLOAD_BYTES

PUBLIC_AUTHORITY = "https://login.microsoftonline.com"


@dataclass(frozen=True)
class EntraSettings:
    tenant_id: str
    client_id: str
    client_secret: str | None = None  # for the console's sign-in flow; not needed to check
    authority: str = PUBLIC_AUTHORITY  # a sovereign cloud's, or a local one in tests

    @property
    def issuer(self) -> str:
        return f"{self.authority}/{self.tenant_id}/v2.0"

    @property
    def jwks_uri(self) -> str:
        return f"{self.authority}/{self.tenant_id}/discovery/v2.0/keys"

    @property
    def audiences(self) -> list[str]:
        return [self.client_id, f"api://{self.client_id}"]


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str
    model: ModelSettings
    # A frozen clock (FRONTDESK_NOW, ISO 8601 with offset) for demos, evals and tests.
    frozen_now: datetime | None = None
    # Signs staff tokens and form links (FRONTDESK_SECRET_KEY); else a random one kept in data_dir.
    secret_key: str | None = None
    # Microsoft Entra ID sign-in for staff; off unless a tenant and client id are set.
    entra: EntraSettings | None = None
    # Where browsers reach the service (FRONTDESK_PUBLIC_URL), e.g. behind a proxy; unset: the
    # address each request came to. Sign-in redirects back to Frontdesk are built from it.
    public_url: str | None = None
    # Encrypts the files clients send (FRONTDESK_DOCUMENT_KEY: 32 bytes in base64); else a
    # random one kept in data_dir. Without the key they were sealed with, files cannot be read.
    document_key: bytes | None = field(default=None, repr=False)
    # The largest file a client may send (FRONTDESK_MAX_UPLOAD_MB, whole megabytes).
    max_upload_bytes: int = MAX_UPLOAD_BYTES

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read FRONTDESK_DATA_DIR and DATABASE_URL, defaulting to a SQLite file in ./data."""
        env = os.environ if env is None else env
        data_dir = Path(env.get("FRONTDESK_DATA_DIR") or "./data").expanduser().resolve()
        database_url = env.get("DATABASE_URL") or f"sqlite:///{data_dir / 'frontdesk.db'}"
        return cls(
            data_dir=data_dir,
            database_url=_with_psycopg_driver(database_url),
            model=_model_settings(env),
            frozen_now=_frozen_now(env),
            secret_key=env.get("FRONTDESK_SECRET_KEY") or None,
            entra=_entra_settings(env),
            public_url=_public_url(env),
            document_key=_document_key(env),
            max_upload_bytes=_max_upload_bytes(env),
        )


def _document_key(env: Mapping[str, str]) -> bytes | None:
    text = (env.get("FRONTDESK_DOCUMENT_KEY") or "").strip()
    if not text:
        return None
    make_one = "make one with `openssl rand -base64 32`"
    try:
        key = base64.b64decode(text.replace("-", "+").replace("_", "/"), validate=True)
    except binascii.Error:
        raise ValueError(f"FRONTDESK_DOCUMENT_KEY is not base64; {make_one}") from None
    if len(key) != 32:
        raise ValueError(
            f"FRONTDESK_DOCUMENT_KEY must be 32 bytes in base64, not {len(key)}; {make_one}"
        )
    return key


def _max_upload_bytes(env: Mapping[str, str]) -> int:
    text = (env.get("FRONTDESK_MAX_UPLOAD_MB") or "").strip()
    if not text:
        return MAX_UPLOAD_BYTES
    if not text.isdigit() or int(text) < 1:
        raise ValueError(f"FRONTDESK_MAX_UPLOAD_MB must be a whole number of megabytes: {text!r}")
    return int(text) * 1024 * 1024


def _public_url(env: Mapping[str, str]) -> str | None:
    url = (env.get("FRONTDESK_PUBLIC_URL") or "").strip().rstrip("/")
    if url and not url.startswith(("http://", "https://")):
        raise ValueError(f"FRONTDESK_PUBLIC_URL must start with http:// or https://, not {url!r}")
    return url or None


def _entra_settings(env: Mapping[str, str]) -> EntraSettings | None:
    tenant, client = env.get("FRONTDESK_ENTRA_TENANT_ID"), env.get("FRONTDESK_ENTRA_CLIENT_ID")
    if not (tenant and client):
        return None
    return EntraSettings(
        tenant_id=tenant,
        client_id=client,
        client_secret=env.get("FRONTDESK_ENTRA_CLIENT_SECRET") or None,
        authority=(env.get("FRONTDESK_ENTRA_AUTHORITY") or PUBLIC_AUTHORITY).rstrip("/"),
    )


def _frozen_now(env: Mapping[str, str]) -> datetime | None:
    text = env.get("FRONTDESK_NOW")
    if not text:
        return None
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError("FRONTDESK_NOW needs a UTC offset, e.g. 2026-03-02T09:00:00+01:00")
    return moment


def _model_settings(env: Mapping[str, str]) -> ModelSettings:
    """FRONTDESK_MODEL picks offline or openai; without it, a key or base URL means openai."""
    key, base_url = env.get("OPENAI_API_KEY") or None, env.get("OPENAI_BASE_URL") or None
    chosen = env.get("FRONTDESK_MODEL") or ("openai" if key or base_url else "offline")
    if chosen not in ("offline", "openai"):
        raise ValueError(f"FRONTDESK_MODEL must be offline or openai, not {chosen!r}")
    kind: ModelKind = "openai" if chosen == "openai" else "offline"
    return ModelSettings(
        kind=kind,
        openai_api_key=key,
        openai_base_url=base_url,
        openai_model=env.get("OPENAI_MODEL") or "gpt-4o-mini",
    )


def _with_psycopg_driver(url: str) -> str:
    """Let a plain postgresql:// URL (as most hosts hand out) use psycopg 3."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url
