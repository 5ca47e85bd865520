"""What is wrong with a world: its YAML, its schema, its consistency; each problem by its key."""

from __future__ import annotations

import zipfile
from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml
from jinja2 import Environment, TemplateSyntaxError
from pydantic import ValidationError

from domain.clients.phones import NotAPhoneNumber, checked_region, to_e164
from domain.kernel.errors import InvalidInput
from domain.kernel.timefmt import wall_to_utc, zone
from domain.models import occupied_span
from domain.scheduling.hours import first_overlap
from domain.world.schema import WorldIn, parse_hours_range

Problem = tuple[str, str]
OCCUPYING = {"confirmed"}


def check_world(world: WorldIn, base_dir: Path) -> list[Problem]:
    """Return every inconsistency in the world; an empty list means it can be loaded."""
    problems: list[Problem] = []
    problems += _duplicate_ids(world)
    problems += _time_zones(world)
    problems += _catalog_references(world)
    problems += _provider_hours(world)
    problems += _clients(world)
    problems += _templates(world, base_dir)
    problems += _bookings(world)
    return problems


def yaml_problem(exc: yaml.YAMLError) -> str:
    """Say where a file is not YAML, by line and column."""
    mark = getattr(exc, "problem_mark", None)
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
    return f"not valid YAML{where}: {getattr(exc, 'problem', None) or exc}"


def validation_problems(exc: ValidationError, raw: dict[str, Any]) -> list[Problem]:
    """Name each schema error by its key, with list items by their id (services[dr-x].name)."""
    problems = []
    for error in exc.errors():
        parts: list[str] = []
        node: Any = raw
        for part in error["loc"]:
            if isinstance(part, int) and isinstance(node, list) and part < len(node):
                node = node[part]
                label = node.get("id") if isinstance(node, dict) else None
                parts[-1] += f"[{label if label is not None else part}]"
            else:
                node = node.get(part) if isinstance(node, dict) else None
                parts.append(str(part))
        problems.append((".".join(parts) or "(file)", error["msg"]))
    return problems


def _duplicate_ids(world: WorldIn) -> Iterable[Problem]:
    sections: dict[str, Iterable[str | None]] = {
        "categories": (c.id for c in world.categories),
        "document_kinds": (d.id for d in world.document_kinds),
        "services": (s.id for s in world.services),
        "providers": (p.id for p in world.providers),
        "clients": (c.id for c in world.clients),
        "bookings": (b.id for b in world.bookings if b.id),
        "knowledge": (k.id for k in world.knowledge),
        "templates": (t.id for t in world.templates),
    }
    for section, ids in sections.items():
        for duplicate, count in Counter(ids).items():
            if count > 1:
                yield f"{section}[{duplicate}]", f"the id {duplicate!r} is used {count} times"


def _is_zone(name: str) -> bool:
    try:
        zone(name)
    except InvalidInput:
        return False
    return True


def _time_zones(world: WorldIn) -> Iterable[Problem]:
    if not _is_zone(world.timezone):
        yield "timezone", f"unknown time zone {world.timezone!r}"
    for provider in world.providers:
        if not _is_zone(provider.timezone):
            yield f"providers[{provider.id}].timezone", f"unknown time zone {provider.timezone!r}"


def _unknown(key: str, kind: str, wanted: Iterable[str], known: set[str]) -> Iterable[Problem]:
    for value in wanted:
        if value not in known:
            yield key, f"unknown {kind} {value!r}"


def _catalog_references(world: WorldIn) -> Iterable[Problem]:
    categories = {c.id for c in world.categories}
    kinds = {d.id for d in world.document_kinds}
    templates = {t.id for t in world.templates}
    services = {s.id for s in world.services}
    for service in world.services:
        key = f"services[{service.id}]"
        if service.category is not None:
            yield from _unknown(f"{key}.category", "category", [service.category], categories)
        yield from _unknown(
            f"{key}.required_documents", "document kind", service.required_documents, kinds
        )
        yield from _unknown(f"{key}.form_templates", "template", service.form_templates, templates)
    for provider in world.providers:
        yield from _unknown(
            f"providers[{provider.id}].services", "service", provider.services, services
        )


def _provider_hours(world: WorldIn) -> Iterable[Problem]:
    for provider in world.providers:
        key = f"providers[{provider.id}]"
        days = [(f"{key}.hours.{day}", ranges) for day, ranges in provider.hours.items()]
        days += [(f"{key}.overrides.{day}", ranges) for day, ranges in provider.overrides.items()]
        for day_key, ranges in days:
            parsed = []
            for index, text in enumerate(ranges):
                try:
                    parsed.append(parse_hours_range(text))
                except ValueError as exc:
                    yield f"{day_key}[{index}]", str(exc)
            if first_overlap(parsed) is not None:
                yield day_key, "opening ranges overlap"
        for index, off in enumerate(provider.time_off):
            if off.end <= off.start:
                yield f"{key}.time_off[{index}]", "ends before it starts"
            for end, wall in (("start", off.start), ("end", off.end)):
                if (
                    _is_zone(provider.timezone)
                    and wall_to_utc(wall, ZoneInfo(provider.timezone)) is None
                ):
                    yield (
                        f"{key}.time_off[{index}].{end}",
                        f"{wall} does not exist in {provider.timezone} (DST gap)",
                    )


def _clients(world: WorldIn) -> Iterable[Problem]:
    if world.region is not None:
        try:
            checked_region(world.region)
        except InvalidInput as exc:
            yield "region", exc.message
    for client in world.clients:
        if client.phone is not None:
            try:
                to_e164(client.phone, region=world.phone_region)
            except NotAPhoneNumber as exc:
                yield f"clients[{client.id}].phone", exc.message
    for attribute in ("phone", "email", "telegram_id"):
        values = [getattr(c, attribute) for c in world.clients if getattr(c, attribute)]
        for value, count in Counter(values).items():
            if count > 1:
                yield f"clients.{attribute}", f"{value!r} belongs to {count} clients"


def _templates(world: WorldIn, base_dir: Path) -> Iterable[Problem]:
    environment = Environment(autoescape=True)
    for template in world.templates:
        key = f"templates[{template.id}]"
        if (template.paragraphs is None) == (template.file is None):
            yield key, "give either paragraphs or a .docx file, not both or neither"
        if template.file is not None:
            path = base_dir / template.file
            if not path.is_file():
                yield f"{key}.file", f"no such file {str(path)!r}"
            elif not _is_docx(path):
                yield f"{key}.file", f"{template.file!r} is not a .docx document"
        for index, paragraph in enumerate(template.paragraphs or []):
            try:
                environment.parse(paragraph)
            except TemplateSyntaxError as exc:
                yield f"{key}.paragraphs[{index}]", f"template syntax error: {exc.message}"


def _is_docx(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as archive:
            return "word/document.xml" in archive.namelist()
    except zipfile.BadZipFile:
        return False


def _bookings(world: WorldIn) -> Iterable[Problem]:
    clients = {c.id for c in world.clients}
    services = {s.id: s for s in world.services}
    providers = {p.id: p for p in world.providers}
    taken: dict[str, list[tuple[datetime, datetime, str]]] = defaultdict(list)
    for index, booking in enumerate(world.bookings):
        key = f"bookings[{booking.id or index}]"
        service, provider = services.get(booking.service), providers.get(booking.provider)
        yield from _unknown(f"{key}.client", "client", [booking.client], clients)
        yield from _unknown(f"{key}.service", "service", [booking.service], set(services))
        yield from _unknown(f"{key}.provider", "provider", [booking.provider], set(providers))
        if service is None or provider is None or not _is_zone(provider.timezone):
            continue
        if service.id not in provider.services:
            yield f"{key}.service", f"{provider.id!r} does not offer {service.id!r}"
        start = wall_to_utc(booking.start, ZoneInfo(provider.timezone))
        if start is None:
            yield f"{key}.start", f"{booking.start} does not exist in {provider.timezone} (DST gap)"
            continue
        if booking.status not in OCCUPYING:
            continue
        _, end = occupied_span(
            start, duration_min=service.duration_min, buffer_min=provider.buffer_min
        )
        for other_start, other_end, other in taken[provider.id]:
            if start < other_end and other_start < end:
                yield f"{key}.start", f"overlaps booking {other!r} of provider {provider.id!r}"
        taken[provider.id].append((start, end, booking.id or str(index)))
