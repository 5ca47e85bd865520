"""The composition root: builds engines, clocks and units of work from settings."""

from __future__ import annotations

import base64
import binascii
import os
import secrets
import tempfile
from contextlib import suppress
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from sqlalchemy import Engine
from starlette.requests import HTTPConnection

from api.settings import Settings
from domain.documents.sealing import KEY_BYTES, DocumentKey
from domain.kernel.clock import Clock, FrozenClock, SystemClock
from domain.kernel.db import make_engine
from domain.kernel.migrate import upgrade_schema
from domain.kernel.uow import UnitOfWork


@dataclass
class Frontdesk:
    """Everything a way in (HTTP, CLI, channel) needs, built once."""

    settings: Settings
    engine: Engine
    clock: Clock

    @cached_property
    def secret_key(self) -> bytes:
        """The key that signs staff tokens and form links; one is made and kept if not set."""
        if self.settings.secret_key:
            return self.settings.secret_key.encode()
        path = kept_secret(self.settings.data_dir / "secret.key", secrets.token_urlsafe(48))
        return path.read_text().strip().encode()

    @cached_property
    def document_key(self) -> DocumentKey:
        """The key client files are sealed with; one is made and kept (mode 0600) if not set."""
        if self.settings.document_key is not None:
            return DocumentKey(self.settings.document_key)
        made = base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode()
        path = kept_secret(self.settings.data_dir / "document.key", made)
        try:
            return DocumentKey(base64.b64decode(path.read_text().strip(), validate=True))
        except (binascii.Error, ValueError) as exc:
            raise ValueError(f"{path} does not hold a document key: {exc}") from None

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.engine, self.clock)

    def close(self) -> None:
        self.engine.dispose()


def kept_secret(path: Path, value: str) -> Path:
    """Keep `value` at `path` (mode 0600) unless a secret is there already; return the path.

    Written whole to a temporary file and linked into place, so a process starting at the
    same moment, or a crash half-way, never leaves an empty or partial key behind.
    """
    if path.exists():
        return path
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w") as file:  # mkstemp makes it 0600
            file.write(value)
            file.flush()
            os.fsync(file.fileno())
        with suppress(FileExistsError):  # another process kept its secret first: use that one
            os.link(temporary, path)
    finally:
        os.unlink(temporary)
    return path


def bootstrap(
    settings: Settings | None = None, *, clock: Clock | None = None, migrate: bool = True
) -> Frontdesk:
    """Build the application from settings; bring the schema up to date unless told not to."""
    settings = settings or Settings.from_env()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.database_url)
    if migrate:
        upgrade_schema(engine)
    if clock is None:
        clock = FrozenClock(settings.frozen_now) if settings.frozen_now else SystemClock()
    return Frontdesk(settings=settings, engine=engine, clock=clock)


def frontdesk_of(connection: HTTPConnection) -> Frontdesk:
    """The Frontdesk the app serving this request (or socket) was built around."""
    frontdesk: Frontdesk = connection.app.state.frontdesk
    return frontdesk
