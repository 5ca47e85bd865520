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

from sqlalchemy import bindparam, select, true
from sqlmodel import col

from domain.booking._terms import (
    NO_SUCH_CLIENT,
    NO_SUCH_PROVIDER,
    NO_SUCH_SERVICE,
    Terms,
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
    price: str
    currency: str
    intake_fields: Sequence[str]


@dataclass(frozen=True, slots=True)
class PolicyTerms:
    timezone: str
    min_notice_minutes: int
    max_advance_days: int
    hold_minutes: int


@dataclass(frozen=True, slots=True)
class HoldRead:
    """What a new hold is made from: the client's profile, the terms, the start's calendar."""

    profile: dict[str, Any]
    terms: Terms
    calendar: ProviderCalendar


@dataclass(frozen=True, slots=True)
class MadeBefore:
    """The booking a hold's key already made: the command is a retry."""

    booking_id: str


_CALENDAR = ROWS_FOR_START.c
# Built once: the statement is the same for every hold, only its parameters change. Each row
# carries the terms and one of the start's calendar rows (kind None when it has none).
_HOLD_READ = (
    select(
        col(Client.profile),
        col(Provider.name),
        col(Provider.timezone),
        col(Provider.buffer_min),
        col(Provider.slot_step_min),
        col(Provider.archived),
        col(Service.name),
        col(Service.duration_min),
        col(Service.price),
        col(Service.currency),
        col(Service.intake_fields),
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
_TERMS_COLUMNS = 20

# Which rows decide a start depends on the provider's zone, buffer and step and the service's
# length, which the statement itself reads: each offering's last shape is kept to ask with. A
# missing or outdated one costs a second read, never a wrong answer.
_SHAPES: dict[tuple[str, str], StartShape] = {}
_SHAPES_KEPT = 4096
_FIRST_GUESS = StartShape("UTC", 0, 15, 30)


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
    offering_id = (provider_id, service_id)
    shape = _SHAPES.get(offering_id, _FIRST_GUESS)
    while True:
        parameters = rows_for_start_parameters(
            shape, provider_id=provider_id, start=start, now=uow.now(), ignore_booking_id=None
        )
        parameters |= {"client_id": client_id, "service_id": service_id, "key": key}
        rows = uow.session.connection().execute(_HOLD_READ, parameters).all()
        if not rows:
            return _made_before_or_missing(
                uow, client_id, provider_id, service_id, key, command, print_
            )
        first = rows[0]
        read_shape = StartShape(first[2], first[3], first[4], first[7])
        if read_shape == shape:
            break
        if len(_SHAPES) >= _SHAPES_KEPT:
            _SHAPES.clear()
        shape = _SHAPES[offering_id] = read_shape
    (profile, p_name, p_zone, buffer, step, p_archived) = first[:6]
    (s_name, duration, price, currency, intake_fields, s_archived, is_offered) = first[6:13]
    (zone_name, notice, advance, hold_minutes, k_command, k_print, k_resource) = first[13:20]
    if k_command is not None:
        return MadeBefore(
            recorded_answer(k_command, k_print, k_resource, command=command, print_=print_)
        )
    terms = Terms(
        ProviderTerms(provider_id, p_name, p_zone, buffer, step),
        ServiceTerms(service_id, s_name, duration, price, currency, intake_fields),
        _default_policy()
        if zone_name is None
        else PolicyTerms(zone_name, notice, advance, hold_minutes),
    )
    if p_archived:
        raise NotFound(NO_SUCH_PROVIDER)
    if s_archived:
        raise NotFound(NO_SUCH_SERVICE)
    if is_offered is None:
        raise not_offered(terms.provider, terms.service)
    calendar = calendar_from_rows((row[_TERMS_COLUMNS:] for row in rows), shape, start)
    return HoldRead(profile, terms, calendar)


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
