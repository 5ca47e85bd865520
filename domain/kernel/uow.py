"""The unit of work: one transaction per use case, rolled back unless committed."""

from __future__ import annotations

from datetime import datetime
from types import TracebackType
from typing import Self

from sqlalchemy import Engine
from sqlmodel import Session

from domain.kernel.clock import Clock
from domain.kernel.db import SQLITE_BEGIN, is_sqlite


class UnitOfWork:
    """`with uow:` opens a transaction; `uow.commit()` commits it once; leaving rolls back."""

    def __init__(self, engine: Engine, clock: Clock, *, writes: bool = True) -> None:
        self.engine = engine
        self.clock = clock
        self.writes = writes
        self._session: Session | None = None

    @property
    def session(self) -> Session:
        if self._session is None:
            raise RuntimeError("the unit of work is used outside `with uow:`")
        return self._session

    def reading(self) -> UnitOfWork:
        """Return a unit of work for reads only: no write lock is taken on SQLite."""
        return UnitOfWork(self.engine, self.clock, writes=False)

    def now(self) -> datetime:
        return self.clock.now()

    def __enter__(self) -> Self:
        if self._session is not None:
            raise RuntimeError("this unit of work is already open")
        bind = self.engine
        if is_sqlite(bind):
            bind = bind.execution_options(
                **{SQLITE_BEGIN: "IMMEDIATE" if self.writes else "DEFERRED"}
            )
        self._session = Session(bind, expire_on_commit=False, autoflush=True)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        session = self.session
        self._session = None
        # close() ends an uncommitted transaction with a rollback (the pool resets the
        # connection) without expiring what was loaded, so results stay readable afterwards.
        session.close()

    def commit(self) -> None:
        self.session.commit()
