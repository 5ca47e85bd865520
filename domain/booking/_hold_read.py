"""A hold's one read: the client, the terms, the key's record and the rows that decide the
start, in one statement, so one snapshot answers them all.

One snapshot matters for the key: the same request sent twice at once either finds the other's
key and hold both, or neither (and then waits on the key's claim). Under contention most holds
are refused after this read alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Connection, bindparam, select, true
from sqlmodel import col

from domain.booking._terms import (
    NO_SUCH_CLIENT,
    NO_SUCH_PROVIDER,
    NO_SUCH_SERVICE,
    not_offered,
    offered,
    offering,
)
from domain.kernel.errors import NotFound
from domain.kernel.journal import recall, recorded_answer
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
from domain.scheduling.availability import ProviderCalendar
from domain.scheduling.start_calendar import (
    ROWS_FOR_START,
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
    """What a hold is judged by: the terms and the start's calendar."""

    provider: ProviderTerms
    service: ServiceTerms
    policy: PolicyTerms
    calendar: ProviderCalendar


@dataclass(frozen=True, slots=True)
class HoldDetails:
    """What only a hold that is written needs: the intake its client's profile answers, the
    price."""

    profile: dict[str, Any]
    intake_fields: Sequence[str]
    price: str
    currency: str


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
    .outerjoin(IdempotencyKey, col(IdempotencyKey.key) == bindparam("key"))
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

# Which rows decide a start depends on the provider's zone, buffer and step and the service's
# length, which the statement itself reads: each offering's last shape is kept to ask with. A
# missing or outdated one costs a second read, never a wrong answer.
_SHAPES: dict[tuple[str, str], StartShape] = {}
_SHAPES_KEPT = 4096
_FIRST_GUESS = StartShape("UTC", 0, 15, 30)  # for an offering not read yet; any would do


def read_for_hold(
    uow: UnitOfWork,
    *,
    client_id: str,
    provider_id: str,
    service_id: str,
    start: datetime,
    key: str | None,
    command: str,
    print_: str,
) -> HoldRead | MadeBefore:
    """Read the client, the offering, the policy, the key's record and the start's calendar.

    A key on record answers first, as a retry must whatever changed since; then a missing or
    archived client, provider, service or offering is refused, in that order.
    """
    read = _read(
        uow.session.connection(),
        uow,
        client_id=client_id,
        provider_id=provider_id,
        service_id=service_id,
        start=start,
        key=key,
        command=command,
        print_=print_,
    )
    if read is None:
        return _made_before_or_missing(
            uow, client_id, provider_id, service_id, key, command, print_
        )
    return read


def read_for_hold_alone(
    uow: UnitOfWork,
    *,
    client_id: str,
    provider_id: str,
    service_id: str,
    start: datetime,
    key: str,
    command: str,
    print_: str,
) -> HoldRead | MadeBefore | None:
    """The same read as its own transaction, outside `with uow:` (PostgreSQL only).

    One statement is one snapshot under READ COMMITTED whether or not a transaction is open
    around it, and a refused hold writes nothing: sent alone (autocommit) it costs one round
    trip, not BEGIN, it and COMMIT. None when a row is missing: read again in the transaction,
    which says what is missing.
    """
    with uow.engine.connect() as connection:
        connection.execution_options(isolation_level="AUTOCOMMIT")
        return _read(
            connection,
            uow,
            client_id=client_id,
            provider_id=provider_id,
            service_id=service_id,
            start=start,
            key=key,
            command=command,
            print_=print_,
        )


def _read(
    connection: Connection,
    uow: UnitOfWork,
    *,
    client_id: str,
    provider_id: str,
    service_id: str,
    start: datetime,
    key: str | None,
    command: str,
    print_: str,
) -> HoldRead | MadeBefore | None:
    offering_id = (provider_id, service_id)
    shape = _SHAPES.get(offering_id, _FIRST_GUESS)
    while True:
        parameters = rows_for_start_parameters(
            shape, provider_id=provider_id, start=start, now=uow.now(), ignore_booking_id=None
        )
        parameters |= {"client_id": client_id, "service_id": service_id, "key": key}
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
            recorded_answer(k_command, k_print, k_resource, command=command, print_=print_)
        )
    provider = ProviderTerms(provider_id, p_name, p_zone, buffer, step)
    service = ServiceTerms(service_id, s_name, duration)
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
    calendar = calendar_from_rows((row[_TERMS_COLUMNS:] for row in rows), shape, start)
    return HoldRead(provider, service, policy, calendar)


def read_hold_details(uow: UnitOfWork, *, client_id: str, service_id: str) -> HoldDetails:
    """Read what a hold about to be written takes from its client and service."""
    profile, intake_fields, price, currency = (
        uow.session.connection()
        .execute(_DETAILS, {"client_id": client_id, "service_id": service_id})
        .one()
    )
    return HoldDetails(profile, intake_fields, price, currency)


def _made_before_or_missing(
    uow: UnitOfWork,
    client_id: str,
    provider_id: str,
    service_id: str,
    key: str | None,
    command: str,
    print_: str,
) -> MadeBefore:
    """Answer a retry whose client or offering is gone since, or say what is missing."""
    made_before = recall(uow, key=key, command=command, print_=print_) if key else None
    if made_before is not None:
        return MadeBefore(made_before)
    if uow.session.get(Client, client_id) is None:
        raise NotFound(NO_SUCH_CLIENT)
    offering(uow, provider_id, service_id)
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
