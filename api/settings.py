"""Settings read once from the environment into one object."""

from __future__ import annotations

import base64
import binascii
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from agent.models import ModelSettings, model_settings
from api.scale_settings import ScaleSettings, scale_settings
from domain.documents.filetypes import MAX_UPLOAD_BYTES

PUBLIC_AUTHORITY = "https://login.microsoftonline.com"
# A JSON request is a few kilobytes; the largest (a knowledge entry) far below this.
MAX_REQUEST_BYTES = 1024 * 1024
# A Telegram Update or a Twilio form is a few kilobytes; a message quoting another a few more.
MAX_WEBHOOK_BYTES = 256 * 1024


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
class TelegramSettings:
    """A Telegram bot: on when FRONTDESK_TELEGRAM_TOKEN is set."""

    token: str = field(repr=False)
    # Telegram sends it back in X-Telegram-Bot-Api-Secret-Token on every webhook call.
    webhook_secret: str = field(repr=False)
    # The Bot API's address (FRONTDESK_TELEGRAM_API_URL); a local fake in tests.
    api_url: str = "https://api.telegram.org"


@dataclass(frozen=True)
class TwilioSettings:
    """SMS through Twilio: on when the account SID, auth token and sending number are set."""

    account_sid: str
    auth_token: str = field(repr=False)
    from_number: str  # E.164, or a messaging service SID (MG…)
    # Twilio's REST address (FRONTDESK_TWILIO_API_URL); a local fake in tests.
    api_url: str = "https://api.twilio.com"


@dataclass(frozen=True)
class SmtpSettings:
    """Email through an SMTP server: on when FRONTDESK_SMTP_HOST and FRONTDESK_SMTP_FROM are set."""

    host: str
    port: int
    sender: str  # the From address
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    # none, starttls (port 587) or tls (port 465)
    security: str = "starttls"


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
    # Keys replaced by a newer FRONTDESK_DOCUMENT_KEY, which still open what they sealed until
    # `frontdesk keys rotate` has re-sealed it (FRONTDESK_RETIRED_DOCUMENT_KEYS, comma-separated).
    retired_document_keys: tuple[bytes, ...] = field(default=(), repr=False)
    # The largest file a client may send (FRONTDESK_MAX_UPLOAD_MB, whole megabytes).
    max_upload_bytes: int = MAX_UPLOAD_BYTES
    # The largest body of any other API request (FRONTDESK_MAX_REQUEST_KB, whole kilobytes).
    max_request_bytes: int = MAX_REQUEST_BYTES
    # The largest webhook body from Telegram or Twilio (FRONTDESK_MAX_WEBHOOK_KB).
    max_webhook_bytes: int = MAX_WEBHOOK_BYTES
    telegram: TelegramSettings | None = None
    twilio: TwilioSettings | None = None
    smtp: SmtpSettings | None = None
    # Hours before an appointment a reminder goes out (FRONTDESK_REMINDER_HOURS, e.g. "24,1").
    reminder_hours: tuple[int, ...] = (24, 1)
    # Turns at once, turn leases, a shared chroma server (api.scale_settings).
    scale: ScaleSettings = field(default_factory=ScaleSettings)
    # Minutes between syncs of each provider's external calendar (FRONTDESK_CALENDAR_SYNC_MINUTES).
    calendar_sync_minutes: int = 5

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read FRONTDESK_DATA_DIR and DATABASE_URL, defaulting to a SQLite file in ./data."""
        env = os.environ if env is None else env
        data_dir = Path(env.get("FRONTDESK_DATA_DIR") or "./data").expanduser().resolve()
        database_url = env.get("DATABASE_URL") or f"sqlite:///{data_dir / 'frontdesk.db'}"
        return cls(
            data_dir=data_dir,
            database_url=_with_psycopg_driver(database_url),
            model=model_settings(env),
            frozen_now=_frozen_now(env),
            secret_key=env.get("FRONTDESK_SECRET_KEY") or None,
            entra=_entra_settings(env),
            public_url=_public_url(env),
            document_key=_document_key(env),
            retired_document_keys=_retired_document_keys(env),
            max_upload_bytes=_max_upload_bytes(env),
            max_request_bytes=_kilobytes(env, "FRONTDESK_MAX_REQUEST_KB", MAX_REQUEST_BYTES),
            max_webhook_bytes=_kilobytes(env, "FRONTDESK_MAX_WEBHOOK_KB", MAX_WEBHOOK_BYTES),
            telegram=_telegram_settings(env),
            twilio=_twilio_settings(env),
            smtp=_smtp_settings(env),
            reminder_hours=_reminder_hours(env),
            scale=scale_settings(env),
            calendar_sync_minutes=_calendar_sync_minutes(env),
        )


def _telegram_settings(env: Mapping[str, str]) -> TelegramSettings | None:
    token = (env.get("FRONTDESK_TELEGRAM_TOKEN") or "").strip()
    if not token:
        return None
    secret = (env.get("FRONTDESK_TELEGRAM_WEBHOOK_SECRET") or "").strip()
    # Telegram allows 1-256 characters A-Z, a-z, 0-9, _ and -.
    if not secret or len(secret) > 256 or not all(c.isalnum() or c in "_-" for c in secret):
        raise ValueError(
            "FRONTDESK_TELEGRAM_WEBHOOK_SECRET must be set with the token: 1-256 characters of "
            "letters, digits, _ and -; make one with `openssl rand -hex 32`"
        )
    api_url = (env.get("FRONTDESK_TELEGRAM_API_URL") or "https://api.telegram.org").rstrip("/")
    return TelegramSettings(token=token, webhook_secret=secret, api_url=api_url)


def _twilio_settings(env: Mapping[str, str]) -> TwilioSettings | None:
    names = ("FRONTDESK_TWILIO_ACCOUNT_SID", "FRONTDESK_TWILIO_AUTH_TOKEN", "FRONTDESK_TWILIO_FROM")
    values = [(env.get(name) or "").strip() for name in names]
    if not any(values):
        return None
    missing = [name for name, value in zip(names, values, strict=True) if not value]
    if missing:
        raise ValueError(f"SMS needs all of {', '.join(names)}; missing {', '.join(missing)}")
    sid, token, sender = values
    api_url = (env.get("FRONTDESK_TWILIO_API_URL") or "https://api.twilio.com").rstrip("/")
    return TwilioSettings(account_sid=sid, auth_token=token, from_number=sender, api_url=api_url)


def _smtp_settings(env: Mapping[str, str]) -> SmtpSettings | None:
    host = (env.get("FRONTDESK_SMTP_HOST") or "").strip()
    if not host:
        return None
    sender = (env.get("FRONTDESK_SMTP_FROM") or "").strip()
    if "@" not in sender:
        raise ValueError("FRONTDESK_SMTP_FROM must be the address emails come from")
    security = (env.get("FRONTDESK_SMTP_SECURITY") or "starttls").strip().lower()
    if security not in ("none", "starttls", "tls"):
        raise ValueError(f"FRONTDESK_SMTP_SECURITY must be none, starttls or tls, not {security!r}")
    port_text = (env.get("FRONTDESK_SMTP_PORT") or "").strip()
    default_port = {"none": 25, "starttls": 587, "tls": 465}[security]
    if port_text and not port_text.isdigit():
        raise ValueError(f"FRONTDESK_SMTP_PORT must be a port number, not {port_text!r}")
    return SmtpSettings(
        host=host,
        port=int(port_text) if port_text else default_port,
        sender=sender,
        username=env.get("FRONTDESK_SMTP_USERNAME") or None,
        password=env.get("FRONTDESK_SMTP_PASSWORD") or None,
        security=security,
    )


def _reminder_hours(env: Mapping[str, str]) -> tuple[int, ...]:
    text = (env.get("FRONTDESK_REMINDER_HOURS") or "").strip()
    if not text:
        return (24, 1)
    if text.lower() == "none":
        return ()
    pieces = [piece.strip() for piece in text.split(",")]
    if not all(piece.isdigit() and 0 < int(piece) <= 24 * 14 for piece in pieces):
        raise ValueError(
            f"FRONTDESK_REMINDER_HOURS must be whole hours (1-336) separated by commas, or none: "
            f"{text!r}"
        )
    return tuple(sorted({int(piece) for piece in pieces}, reverse=True))


def _document_key(env: Mapping[str, str]) -> bytes | None:
    text = (env.get("FRONTDESK_DOCUMENT_KEY") or "").strip()
    if not text:
        return None
    return _key_from_base64(text, "FRONTDESK_DOCUMENT_KEY")


def _retired_document_keys(env: Mapping[str, str]) -> tuple[bytes, ...]:
    texts = (env.get("FRONTDESK_RETIRED_DOCUMENT_KEYS") or "").split(",")
    return tuple(
        _key_from_base64(text.strip(), "FRONTDESK_RETIRED_DOCUMENT_KEYS")
        for text in texts
        if text.strip()
    )


def _key_from_base64(text: str, name: str) -> bytes:
    make_one = "make one with `openssl rand -base64 32`"
    try:
        key = base64.b64decode(text.replace("-", "+").replace("_", "/"), validate=True)
    except binascii.Error:
        raise ValueError(f"{name} is not base64; {make_one}") from None
    if len(key) != 32:
        raise ValueError(f"{name} must be 32 bytes in base64, not {len(key)}; {make_one}")
    return key


def _max_upload_bytes(env: Mapping[str, str]) -> int:
    text = (env.get("FRONTDESK_MAX_UPLOAD_MB") or "").strip()
    if not text:
        return MAX_UPLOAD_BYTES
    if not text.isdigit() or int(text) < 1:
        raise ValueError(f"FRONTDESK_MAX_UPLOAD_MB must be a whole number of megabytes: {text!r}")
    return int(text) * 1024 * 1024


def _kilobytes(env: Mapping[str, str], name: str, default: int) -> int:
    text = (env.get(name) or "").strip()
    if not text:
        return default
    if not text.isdigit() or int(text) < 1:
        raise ValueError(f"{name} must be a whole number of kilobytes: {text!r}")
    return int(text) * 1024


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


def _with_psycopg_driver(url: str) -> str:
    """Let a plain postgresql:// URL (as most hosts hand out) use psycopg 3."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _calendar_sync_minutes(env: Mapping[str, str]) -> int:
    text = (env.get("FRONTDESK_CALENDAR_SYNC_MINUTES") or "").strip()
    if not text:
        return 5
    if not text.isdigit() or not 1 <= int(text) <= 24 * 60:
        raise ValueError(
            f"FRONTDESK_CALENDAR_SYNC_MINUTES must be whole minutes (1-1440): {text!r}"
        )
    return int(text)
