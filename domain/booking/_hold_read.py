"""A hold's one read: the client, the terms, the key's record and the rows that decide the
start, in one statement, so one snapshot answers them all.

One snapshot matters for the key: the same request sent twice at once either finds the other's
key and hold both, or neither (and then waits on the key's claim). Under contention most holds
are refused after this read alone.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache, lru_cache
from typing import Any, cast

from sqlalchemy import Connection, Dialect, bindparam, select, true
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.compiler import SQLCompiler
from sqlmodel import col

from domain.booking._terms import (
    NO_SUCH_CLIENT,
    NO_SUCH_PROVIDER,
    NO_SUCH_SERVICE,
    not_offered,
    offered,
    offering,
)
from domain.kernel.db import is_sqlite
from domain.kernel.errors import NotFound
from domain.kernel.journal import claim, claim_statement, recall, recorded_answer
from domain.kernel.uow import UnitOfWork
from domain.models import (
    PRACTICE_ROW_ID,
    Client,
    IdempotencyKey,
    Practice,
    Provider,
    ProviderService,
    Service,
)
from domain.models.sealed import digest_matches, digest_parameters
from domain.scheduling.availability import ProviderCalendar
from domain.scheduling.start_calendar import (
    ROWS_FOR_START,
    STALE,
    StartShape,
    calendar_from_rows,
    rows_for_start_parameters,
)


# Plain values: building ORM objects costs more than the rest of a refused hold.
@dataclass(frozen=True, slots=True)
class ProviderTerms:
    id: str
    name: str
    timezone: str
    buffer_min: int
    slot_step_min: int


@dataclass(frozen=True, slots=True)
class ServiceTerms:
    id: str
    name: str
    duration_min: int


@dataclass(frozen=True, slots=True)
class PolicyTerms:
    timezone: str
    min_notice_minutes: int
    max_advance_days: int
    hold_minutes: int


@dataclass(frozen=True, slots=True)
class HoldRead:
    """What a hold is judged by: the terms and the start's calendar; and whether holds past
    their expiry still block the start's row (they need expiring before it is written)."""

    provider: ProviderTerms
    service: ServiceTerms
    policy: PolicyTerms
    calendar: ProviderCalendar
    stale_holds: bool


@dataclass(frozen=True, slots=True)
class HoldDetails:
    """What only a hold that is written needs: the intake its client's profile answers, the
    price."""

    profile: dict[str, Any]
    intake_fields: Sequence[str]
    price: str
    currency: str


@dataclass(frozen=True, slots=True)
class HoldAsk:
    """What a hold is asked for, under which key, command and fingerprint."""

    client_id: str
    provider_id: str
    service_id: str
    start: datetime
    key: str | None
    command: str
    print_: str


@dataclass(frozen=True, slots=True)
class MadeBefore:
    """The booking a hold's key already made: the command is a retry."""

    booking_id: str


_CALENDAR = ROWS_FOR_START.c
# Built once: the statement is the same for every hold, only its parameters change. Each row
# carries the terms and one of the start's calendar rows (kind None when it has none). It reads
# only what a refusal needs: each column costs every read, and most holds are refused.
_HOLD_READ = (
    select(
        col(Provider.name),
        col(Provider.timezone),
        col(Provider.buffer_min),
        col(Provider.slot_step_min),
        col(Provider.archived),
        col(Service.name),
        col(Service.duration_min),
        col(Service.archived),
        col(ProviderService.service_id),
        col(Practice.timezone),
        col(Practice.min_notice_minutes),
        col(Practice.max_advance_days),
        col(Practice.hold_minutes),
        col(IdempotencyKey.command),
        col(IdempotencyKey.fingerprint),
        col(IdempotencyKey.resource_id),
        *_CALENDAR,
    )
    .select_from(Client)
    .join(Provider, col(Provider.id) == bindparam("provider_id"))
    .join(Service, col(Service.id) == bindparam("service_id"))
    .outerjoin(ProviderService, offered())
    .outerjoin(Practice, col(Practice.id) == PRACTICE_ROW_ID)
    .outerjoin(IdempotencyKey, digest_matches(col(IdempotencyKey.key), "key"))
    .outerjoin(ROWS_FOR_START, true())
    .where(col(Client.id) == bindparam("client_id"))
)
_TERMS_COLUMNS = 16
_DETAILS = (
    select(
        col(Client.profile),
        col(Service.intake_fields),
        col(Service.price),
        col(Service.currency),
    )
    .select_from(Client)
    .join(Service, col(Service.id) == bindparam("service_id"))
    .where(col(Client.id) == bindparam("client_id"))
)

# On PostgreSQL a free start's key is claimed and its details read in one statement: the
# claim is a data-modifying CTE (run once, whatever the SELECT around it finds).
_CLAIMED = claim_statement("postgresql").cte("claimed")
_CLAIM_WITH_DETAILS = (
    select(
        _CLAIMED.c.key,
        col(Client.profile),
        col(Service.intake_fields),
        col(Service.price),
        col(Service.currency),
    )
    .select_from(Client)
    .join(Service, col(Service.id) == bindparam("service_id"))
    .outerjoin(_CLAIMED, true())
    .where(col(Client.id) == bindparam("client_id"))
)

# Which rows decide a start depends on the provider's zone, buffer and step and the service's
# length, which the statement itself reads: each offering's last shape is kept to ask with. A
# missing or outdated one costs a second read, never a wrong answer.
_SHAPES: dict[tuple[str, str], StartShape] = {}
_SHAPES_KEPT = 4096
_FIRST_GUESS = StartShape("UTC", 0, 15, 30)  # for an offering not read yet; any would do


def read_for_hold(uow: UnitOfWork, ask: HoldAsk) -> HoldRead | MadeBefore:
    """Read the client, the offering, the policy, the key's record and the start's calendar.

    A key on record answers first, as a retry must whatever changed since; then a missing or
    archived client, provider, service or offering is refused, in that order.
    """
    read = _read(uow.session.connection(), uow, ask)
    if read is None:
        return _made_before_or_missing(uow, ask)
    return read


def read_for_hold_alone(uow: UnitOfWork, ask: HoldAsk) -> HoldRead | MadeBefore | None:
    """The same read as its own transaction, outside `with uow:` (PostgreSQL only).

    One statement is one snapshot under READ COMMITTED whether or not a transaction is open
    around it, and a refused hold writes nothing: sent alone (autocommit) it costs one round
    trip, not BEGIN, it and COMMIT. None when a row is missing: read again in the transaction,
    which says what is missing.
    """
    with uow.engine.connect() as connection:
        connection.execution_options(isolation_level="AUTOCOMMIT")
        return _read(_DriverRead(connection), uow, ask)


class _DriverRead:
    """Sends the hold's read on the driver's connection, past SQLAlchemy's execution and result
    layers: they cost twice the driver's own work per refused hold. The statement is compiled
    once, its parameters and timestamps converted as SQLAlchemy would, and the engine's
    `before_cursor_execute` listeners still see it (statement counts stay true)."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def execute(self, _statement: object, parameters: dict[str, Any]) -> _Rows:
        connection = self.connection
        dialect = connection.dialect
        compiled, processors = _compiled(dialect)
        values = compiled.construct_params(parameters)
        for name, process in processors.items():
            values[name] = process(values[name])
        sql = compiled.string
        driver = connection.connection.driver_connection
        if driver is None:
            raise AssertionError("an open connection has its driver's")
        try:
            with driver.cursor() as cursor:
                if connection.dispatch.before_cursor_execute:
                    connection.dispatch.before_cursor_execute(
                        connection, cursor, sql, values, None, False
                    )
                cursor.execute(sql, values)
                rows = cursor.fetchall()
        except dialect.loaded_dbapi.Error as error:
            gone = dialect.is_disconnect(error, connection.connection.dbapi_connection, None)
            if gone:
                connection.invalidate(error)
            raise DBAPIError.instance(
                sql, values, error, dialect.loaded_dbapi.Error, connection_invalidated=gone
            ) from error
        return _Rows([_utc_instants(row) for row in rows])


class _Rows:
    def __init__(self, rows: list[tuple[Any, ...]]) -> None:
        self.rows = rows

    def all(self) -> list[tuple[Any, ...]]:
        return self.rows


_STARTS_AT, _ENDS_AT = _TERMS_COLUMNS + 3, _TERMS_COLUMNS + 4  # the calendar row's instants


def _utc_instants(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """Return the row with its calendar instants in UTC, as UTCDateTime reads them."""
    starts_at, ends_at = row[_STARTS_AT], row[_ENDS_AT]
    if starts_at is None and ends_at is None:
        return row
    return (*row[:_STARTS_AT], _utc(starts_at), _utc(ends_at), *row[_ENDS_AT + 1 :])


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


@lru_cache(maxsize=8)  # one per dialect (engine) in use
def _compiled(dialect: Dialect) -> tuple[SQLCompiler, dict[str, Callable[[Any], Any]]]:
    """The read compiled for a dialect, and the converters SQLAlchemy's own execution would
    pass its parameters through (UTCDateTime's, for one)."""
    compiled = _HOLD_READ.compile(dialect=dialect)
    if compiled.post_compile_params or compiled.literal_execute_params:
        raise AssertionError("the hold's read must be whole once compiled (no IN lists)")
    processors = cast(dict[str, Callable[[Any], Any]], dict(compiled._bind_processors))
    return compiled, processors


def _read(
    connection: Connection | _DriverRead, uow: UnitOfWork, ask: HoldAsk
) -> HoldRead | MadeBefore | None:
    offering_id = (ask.provider_id, ask.service_id)
    shape = _SHAPES.get(offering_id, _FIRST_GUESS)
    while True:
        parameters = rows_for_start_parameters(
            shape,
            provider_id=ask.provider_id,
            start=ask.start,
            now=uow.now(),
            ignore_booking_id=None,
        )
        parameters |= {"client_id": ask.client_id, "service_id": ask.service_id}
        parameters |= digest_parameters("key", ask.key)
        rows = connection.execute(_HOLD_READ, parameters).all()
        if not rows:
            return None
        first = rows[0]
        read_shape = StartShape(first[1], first[2], first[3], first[6])
        if read_shape == shape:
            break
        if len(_SHAPES) >= _SHAPES_KEPT:
            _SHAPES.clear()
        shape = _SHAPES[offering_id] = read_shape
    head: tuple[Any, ...] = tuple(first)[:_TERMS_COLUMNS]
    (p_name, p_zone, buffer, step, p_archived, s_name, duration, s_archived) = head[:8]
    (is_offered, zone_name, notice, advance, hold_minutes) = head[8:13]
    (k_command, k_print, k_resource) = head[13:]
    if k_command is not None:
        return MadeBefore(
            recorded_answer(k_command, k_print, k_resource, command=ask.command, print_=ask.print_)
        )
    provider = ProviderTerms(ask.provider_id, p_name, p_zone, buffer, step)
    service = ServiceTerms(ask.service_id, s_name, duration)
    if p_archived:
        raise NotFound(NO_SUCH_PROVIDER)
    if s_archived:
        raise NotFound(NO_SUCH_SERVICE)
    if is_offered is None:
        raise not_offered(provider, service)
    policy = (
        _default_policy()
        if zone_name is None
        else PolicyTerms(zone_name, notice, advance, hold_minutes)
    )
    calendar = calendar_from_rows((row[_TERMS_COLUMNS:] for row in rows), shape, ask.start)
    stale_holds = any(row[_TERMS_COLUMNS] == STALE for row in rows)
    return HoldRead(provider, service, policy, calendar, stale_holds)


def claim_for_hold(
    uow: UnitOfWork,
    *,
    client_id: str,
    service_id: str,
    key: str,
    command: str,
    print_: str,
    resource_id: str,
) -> HoldDetails | None:
    """Claim the key for the hold about to be written and read what it takes from its client
    and service; None when a concurrent call with the same key claimed it first."""
    if is_sqlite(uow.engine):
        if not claim(uow, key=key, command=command, print_=print_, resource_id=resource_id):
            return None
        return read_hold_details(uow, client_id=client_id, service_id=service_id)
    parameters = {
        "key": key,
        "command": command,
        "fingerprint": print_,
        "resource_id": resource_id,
        "created_at": uow.now(),
        "client_id": client_id,
        "service_id": service_id,
    }
    row = uow.session.connection().execute(_CLAIM_WITH_DETAILS, parameters).first()
    if row is None:  # the client is gone since the read; the claim is rolled back with it
        raise NotFound(NO_SUCH_CLIENT)
    claimed, profile, intake_fields, price, currency = row
    if claimed is None:
        return None
    return HoldDetails(profile, intake_fields, price, currency)


def read_hold_details(uow: UnitOfWork, *, client_id: str, service_id: str) -> HoldDetails:
    """Read what a hold about to be written takes from its client and service."""
    profile, intake_fields, price, currency = (
        uow.session.connection()
        .execute(_DETAILS, {"client_id": client_id, "service_id": service_id})
        .one()
    )
    return HoldDetails(profile, intake_fields, price, currency)


def _made_before_or_missing(uow: UnitOfWork, ask: HoldAsk) -> MadeBefore:
    """Answer a retry whose client or offering is gone since, or say what is missing."""
    made_before = (
        recall(uow, key=ask.key, command=ask.command, print_=ask.print_) if ask.key else None
    )
    if made_before is not None:
        return MadeBefore(made_before)
    if uow.session.get(Client, ask.client_id) is None:
        raise NotFound(NO_SUCH_CLIENT)
    offering(uow, ask.provider_id, ask.service_id)
    raise AssertionError("unreachable: the offering exists after all")


@cache
def _default_policy() -> PolicyTerms:
    """The policy a practice without its row books under: the model's defaults."""
    defaults = Practice()
    return PolicyTerms(
        defaults.timezone,
        defaults.min_notice_minutes,
        defaults.max_advance_days,
        defaults.hold_minutes,
    )
