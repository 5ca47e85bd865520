"""Providers and the services they offer, managed by admins."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import String, cast, func
from sqlmodel import col, select

from domain.catalog.items import archived_and_named
from domain.catalog.references import require_known
from domain.kernel.actors import Actor
from domain.kernel.editing import add_new, change
from domain.kernel.errors import InvalidInput, NotFound
from domain.kernel.journal import audit
from domain.kernel.paging import page_of
from domain.kernel.timefmt import zone
from domain.kernel.uow import UnitOfWork
from domain.models import Provider, ProviderService, Service, StaffUser
from domain.staff.access import require_admin, staff_actor

WHAT = "provider"


@dataclass(frozen=True)
class ProviderRecord:
    """A provider with the ids of the services they offer, sorted."""

    provider: Provider
    service_ids: list[str]


def page_providers(
    *,
    uow: UnitOfWork,
    service_id: str | None,
    specialty: str | None,
    location: str | None,
    archived: bool | None,
    search: str | None,
    limit: int,
    offset: int,
) -> tuple[list[ProviderRecord], int]:
    """Return a page of providers by id, filtered by a service they offer, specialty and place."""
    query = select(Provider).order_by(col(Provider.id))
    if service_id is not None:
        offering = select(ProviderService.provider_id).where(
            col(ProviderService.service_id) == service_id
        )
        query = query.where(col(Provider.id).in_(offering))
    if specialty:
        # Specialties are a JSON list: match one whole element, quoted as JSON writes it.
        quoted = json.dumps(specialty.strip()).lower()
        stored = func.lower(cast(col(Provider.specialties), String))
        query = query.where(stored.contains(quoted, autoescape=True))
    if location:
        query = query.where(col(Provider.location).icontains(location, autoescape=True))
    query = archived_and_named(query, Provider, archived=archived, search=search)
    with uow.reading() as reader:
        providers, total = page_of(reader.session, query, limit=limit, offset=offset)
        offered = _offered(reader, [p.id for p in providers])
    return [ProviderRecord(p, offered[p.id]) for p in providers], total


def get_provider(*, uow: UnitOfWork, provider_id: str) -> ProviderRecord:
    with uow.reading() as reader:
        provider = reader.session.get(Provider, provider_id)
        if provider is None:
            raise NotFound(f"No provider '{provider_id}'.")
        return ProviderRecord(provider, _offered(reader, [provider_id])[provider_id])


def require_zone(name: str) -> None:
    """Refuse a time zone zoneinfo does not know, naming the field."""
    try:
        zone(name)
    except InvalidInput as exc:
        raise InvalidInput(
            f"Unknown time zone {name!r}; use an IANA name like 'Europe/Berlin'.", field="timezone"
        ) from exc


def create_provider(
    *, uow: UnitOfWork, staff: StaffUser, provider: Provider, service_ids: list[str]
) -> ProviderRecord:
    """Add a provider offering existing services, in a time zone zoneinfo knows."""
    require_admin(staff)
    require_zone(provider.timezone)
    actor = staff_actor(staff)
    with uow:
        add_new(uow, actor=actor, row=provider, what=WHAT, subject=WHAT)
        _offer(uow, actor=actor, provider_id=provider.id, service_ids=service_ids, before=[])
        uow.commit()
    return ProviderRecord(provider, sorted(service_ids))


def update_provider(
    *,
    uow: UnitOfWork,
    staff: StaffUser,
    provider_id: str,
    expected_version: int,
    changes: dict[str, Any],
    service_ids: list[str] | None = None,
) -> ProviderRecord:
    """Change, archive or restore a provider (and what they offer) as of the version read."""
    require_admin(staff)
    if "timezone" in changes:
        require_zone(changes["timezone"])
    actor = staff_actor(staff)
    with uow:
        provider = change(
            uow,
            actor=actor,
            model=Provider,
            row_id=provider_id,
            expected_version=expected_version,
            changes=changes,
            what=WHAT,
            subject=WHAT,
        )
        before = _offered(uow, [provider_id])[provider_id]
        if service_ids is not None:
            _offer(
                uow, actor=actor, provider_id=provider_id, service_ids=service_ids, before=before
            )
        uow.commit()
    return ProviderRecord(provider, sorted(before if service_ids is None else service_ids))


def _offered(uow: UnitOfWork, provider_ids: list[str]) -> dict[str, list[str]]:
    rows = uow.session.exec(
        select(ProviderService)
        .where(col(ProviderService.provider_id).in_(provider_ids))
        .order_by(col(ProviderService.service_id))
    )
    offered: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        offered[row.provider_id].append(row.service_id)
    return offered


def _offer(
    uow: UnitOfWork, *, actor: Actor, provider_id: str, service_ids: list[str], before: list[str]
) -> None:
    """Make the provider offer exactly these services."""
    require_known(
        uow, model=Service, ids=service_ids, field="service_ids", what="service", kept=before
    )
    added = sorted(set(service_ids) - set(before))
    dropped = sorted(set(before) - set(service_ids))
    for service_id in dropped:
        row = uow.session.get(ProviderService, (provider_id, service_id))
        uow.session.delete(row)
    uow.session.add_all(ProviderService(provider_id=provider_id, service_id=s) for s in added)
    if added or dropped:
        audit(
            uow,
            actor=actor,
            action=f"{WHAT}.services_changed",
            subject_type=WHAT,
            subject_id=provider_id,
            details={"added": added, "dropped": dropped},
        )
