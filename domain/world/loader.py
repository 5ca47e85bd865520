"""Reading world.yaml and loading it into the database in one transaction: all or nothing."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml
from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlmodel import SQLModel, select

from domain.kernel.actors import SYSTEM
from domain.kernel.errors import WorldError
from domain.kernel.journal import audit
from domain.kernel.timefmt import local_wall_to_utc
from domain.kernel.uow import UnitOfWork
from domain.models import (
    PRACTICE_ROW_ID,
    Booking,
    Category,
    ChannelIdentity,
    Client,
    DocumentKind,
    DocumentTemplate,
    KnowledgeEntry,
    Practice,
    Provider,
    Service,
    find_identity,
    occupied_span,
)
from domain.scheduling.calendars import busy_intervals
from domain.world.checks import Problem, check_world, validation_problems, yaml_problem
from domain.world.rows import identities, provider_row, schedule_rows, service_row, template_row
from domain.world.schema import WorldIn


@dataclass(frozen=True)
class LoadedWorld:
    now: datetime  # the world's clock, moved by the shift
    shift_days: int
    counts: dict[str, int]


def read_world(path: Path) -> WorldIn:
    """Parse and check a world file, raising WorldError with every problem found."""
    source = str(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise WorldError(source, [("(file)", f"cannot read: {exc.strerror}")]) from exc
    except yaml.YAMLError as exc:
        raise WorldError(source, [("(file)", yaml_problem(exc))]) from exc
    if not isinstance(raw, dict):
        raise WorldError(source, [("(file)", "a world is a mapping of keys like now, services")])
    try:
        world = WorldIn.model_validate(raw)
    except ValidationError as exc:
        raise WorldError(source, validation_problems(exc, raw)) from exc
    problems = check_world(world, path.parent)
    if problems:
        raise WorldError(source, problems)
    return world


def weeks_until(world_now: datetime, today: date) -> int:
    """Return the whole-week shift (in days) that brings the world's `now` nearest to today.

    Whole weeks keep every booking on its weekday and wall-clock time.
    """
    return ((today - world_now.date()).days + 3) // 7 * 7


def shift_world(world: WorldIn, days: int) -> WorldIn:
    """Return the world with every date moved by `days` (wall-clock times stay as they are)."""
    if days == 0:
        return world
    delta = timedelta(days=days)
    providers = [
        provider.model_copy(
            update={
                "overrides": {day + delta: ranges for day, ranges in provider.overrides.items()},
                "time_off": [
                    off.model_copy(update={"start": off.start + delta, "end": off.end + delta})
                    for off in provider.time_off
                ],
            }
        )
        for provider in world.providers
    ]
    bookings = [b.model_copy(update={"start": b.start + delta}) for b in world.bookings]
    return world.model_copy(
        update={"now": world.now + delta, "providers": providers, "bookings": bookings}
    )


def load_world(
    *, uow: UnitOfWork, world: WorldIn, base_dir: Path, source: str, shift_days: int = 0
) -> LoadedWorld:
    """Insert a checked world; anything clashing with the database makes it load nothing."""
    world = shift_world(world, shift_days)
    # Checked again after the shift: moving by weeks can land a wall time in a DST change.
    problems = check_world(world, base_dir)
    if problems:
        raise WorldError(source, problems)
    with uow:
        clashes = _clashes_with_database(uow, world)
        if clashes:
            raise WorldError(source, clashes)
        session = uow.session
        session.merge(
            Practice(
                id=PRACTICE_ROW_ID,
                timezone=world.timezone,
                region=world.phone_region,
                **world.policies.model_dump(),
                **world.contact.model_dump(),
                languages=list(world.practice.languages),
            )
        )
        _add_all(uow, [Category(**c.model_dump()) for c in world.categories])
        _add_all(uow, [DocumentKind(**d.model_dump()) for d in world.document_kinds])
        _add_all(uow, [template_row(t, base_dir) for t in world.templates])
        _add_all(uow, [service_row(s) for s in world.services])
        _add_all(uow, [provider_row(p) for p in world.providers])
        for provider in world.providers:
            _add_all(uow, schedule_rows(provider))
        _add_all(uow, [KnowledgeEntry(**k.model_dump()) for k in world.knowledge])
        _add_clients(uow, world)
        _add_bookings(uow, world, source)
        audit(
            uow,
            actor=SYSTEM,
            action="world.loaded",
            subject_type="world",
            subject_id=source,
            details={"shift_days": shift_days},
        )
        try:
            uow.commit()
        except IntegrityError as exc:
            # The checks above should make this unreachable; if the database still refuses,
            # say so as a world problem rather than a crash.
            first_line = str(exc.orig).splitlines()[0]
            raise WorldError(source, [("(database)", f"refused: {first_line}")]) from exc
    counts = {
        name: len(getattr(world, name))
        for name in ("services", "providers", "clients", "bookings", "knowledge", "templates")
    }
    return LoadedWorld(now=world.now, shift_days=shift_days, counts=counts)


def _add_all(uow: UnitOfWork, rows: Sequence[SQLModel]) -> None:
    uow.session.add_all(rows)
    uow.session.flush()


def _clashes_with_database(uow: UnitOfWork, world: WorldIn) -> list[Problem]:
    sections: list[tuple[str, type[SQLModel], list[str]]] = [
        ("categories", Category, [c.id for c in world.categories]),
        ("document_kinds", DocumentKind, [d.id for d in world.document_kinds]),
        ("services", Service, [s.id for s in world.services]),
        ("providers", Provider, [p.id for p in world.providers]),
        ("clients", Client, [c.id for c in world.clients]),
        ("bookings", Booking, [b.id for b in world.bookings if b.id]),
        ("knowledge", KnowledgeEntry, [k.id for k in world.knowledge]),
        ("templates", DocumentTemplate, [t.id for t in world.templates]),
    ]
    clashes = []
    for client in world.clients:
        for channel, address in identities(client):
            owner = find_identity(uow.session, channel, address)
            if owner is not None:
                clashes.append(
                    (
                        f"clients[{client.id}]",
                        f"{channel} address {address!r} already belongs to client "
                        f"{owner.client_id!r}",
                    )
                )
    for section, table, ids in sections:
        for existing in uow.session.exec(select(table.id).where(table.id.in_(ids))):  # type: ignore[attr-defined]
            clashes.append((f"{section}[{existing}]", "already exists in the database"))
    return clashes


def _add_clients(uow: UnitOfWork, world: WorldIn) -> None:
    clients = [
        Client(
            id=c.id,
            name=c.name,
            phone=c.phone,
            email=c.email,
            profile=dict(c.profile),
            language=c.language,
            created_at=world.now,
        )
        for c in world.clients
    ]
    _add_all(uow, clients)
    _add_all(
        uow,
        [
            ChannelIdentity(channel=channel, address=address, client_id=client.id)
            for client in world.clients
            for channel, address in identities(client)
        ],
    )


def _add_bookings(uow: UnitOfWork, world: WorldIn, source: str) -> None:
    services = {s.id: s for s in world.services}
    providers = {p.id: p for p in world.providers}
    rows = []
    problems: list[Problem] = []
    for booking in world.bookings:
        service, provider = services[booking.service], providers[booking.provider]
        starts_at = local_wall_to_utc(booking.start, ZoneInfo(provider.timezone))
        ends_at, blocked_until = occupied_span(
            starts_at, duration_min=service.duration_min, buffer_min=provider.buffer_min
        )
        # Same test as availability's: stored confirmed bookings and live holds occupy time.
        stored = busy_intervals(
            uow.session, [provider.id], starts_at, blocked_until, uow.now(), None
        )
        if booking.status == "confirmed" and stored[provider.id]:
            problems.append((f"bookings[{booking.id}].start", "overlaps a booking already stored"))
        row = Booking(
            client_id=booking.client,
            provider_id=provider.id,
            service_id=service.id,
            starts_at=starts_at,
            ends_at=ends_at,
            blocked_until=blocked_until,
            status=booking.status,
            price=service.price,
            currency=service.currency,
            channel="world",
            created_at=world.now,
            updated_at=world.now,
        )
        if booking.id:
            row.id = booking.id
        rows.append(row)
    if problems:
        raise WorldError(source, problems)
    _add_all(uow, rows)
