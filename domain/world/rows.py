"""A world's sections as table rows: the catalog, a provider's diary, a client's addresses."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

from sqlmodel import SQLModel

from domain.kernel.timefmt import local_wall_to_utc
from domain.models import (
    DateOverride,
    DocumentTemplate,
    Provider,
    ProviderService,
    Service,
    TimeOff,
    WeeklyHours,
)
from domain.world.schema import (
    WEEKDAYS,
    ClientIn,
    ProviderIn,
    ServiceIn,
    TemplateIn,
    parse_hours_range,
)

# The provider's own fields, as the table has them; the rest of ProviderIn is their diary.
PROVIDER_FIELDS = {
    "id",
    "name",
    "kind",
    "specialties",
    "location",
    "timezone",
    "buffer_min",
    "slot_step_min",
    "translations",
}


def template_row(template: TemplateIn, base_dir: Path) -> DocumentTemplate:
    docx = (base_dir / template.file).read_bytes() if template.file else None
    return DocumentTemplate(
        id=template.id, name=template.name, paragraphs=template.paragraphs or [], docx=docx
    )


def service_row(service: ServiceIn) -> Service:
    return Service(category_id=service.category, **service.model_dump(exclude={"category"}))


def provider_row(provider: ProviderIn) -> Provider:
    return Provider(**provider.model_dump(include=PROVIDER_FIELDS))


def schedule_rows(provider: ProviderIn) -> list[SQLModel]:
    """The services a provider offers, their weekly hours, date overrides and time off."""
    tz = ZoneInfo(provider.timezone)
    rows: list[SQLModel] = [
        ProviderService(provider_id=provider.id, service_id=service)
        for service in provider.services
    ]
    for weekday, ranges in provider.hours.items():
        for text in ranges:
            opens, closes = parse_hours_range(text)
            rows.append(
                WeeklyHours(
                    provider_id=provider.id,
                    weekday=WEEKDAYS.index(weekday),
                    opens=opens,
                    closes=closes,
                )
            )
    for override_day, ranges in provider.overrides.items():
        day = override_day
        if not ranges:
            rows.append(DateOverride(provider_id=provider.id, day=day))
        for text in ranges:
            opens, closes = parse_hours_range(text)
            rows.append(DateOverride(provider_id=provider.id, day=day, opens=opens, closes=closes))
    for off in provider.time_off:
        rows.append(
            TimeOff(
                provider_id=provider.id,
                reason=off.reason,
                starts_at=local_wall_to_utc(off.start, tz),
                ends_at=local_wall_to_utc(off.end, tz),
            )
        )
    return rows


def identities(client: ClientIn) -> list[tuple[str, str]]:
    """The (channel, address) pairs a client is found by."""
    addresses = (("sms", client.phone), ("email", client.email), ("telegram", client.telegram_id))
    return [(channel, address) for channel, address in addresses if address]
