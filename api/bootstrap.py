"""The composition root: builds engines, clocks and units of work from settings."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from sqlalchemy import Engine
from starlette.requests import HTTPConnection

import evals
from api.settings import Settings
from domain.clock import Clock, FrozenClock, SystemClock
from domain.db import make_engine
from domain.migrate import upgrade_schema
from domain.uow import UnitOfWork

DEMO_WORLD = Path(evals.__file__).parent / "suites" / "demo" / "world.yaml"


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
        path = self.settings.data_dir / "secret.key"
        if not path.exists():
            path.touch(mode=0o600)
            path.write_text(secrets.token_urlsafe(48))
        return path.read_text().strip().encode()

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.engine, self.clock)

    def close(self) -> None:
        self.engine.dispose()


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
