"""The values a notification template is filled with, read from the booking it is about."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from domain.booking.references import booking_reference
from domain.kernel.timefmt import format_local, zone
from domain.models import Booking, Client, Provider, Service
from domain.scheduling.calendars import practice


def booking_context(
    session: Session, booking: Booking, client: Client, payload: dict[str, Any]
) -> dict[str, object]:
    """Fill every variable the booking events offer; the event's own ones from its payload."""
    provider = session.get_one(Provider, booking.provider_id)
    service = session.get_one(Service, booking.service_id)
    policy = practice(session)
    time_zone = provider.timezone or policy.timezone
    local = zone(time_zone)
    context: dict[str, object] = {
        "client_name": client.name,
        "practice": policy.name,
        "service": service.name,
        "provider": provider.name,
        "location": provider.location,
        "start": format_local(booking.starts_at, local),
        "end": format_local(booking.ends_at, local),
        "time_zone": time_zone,
        # The short reference SMS shows too; the agent finds the booking by it.
        "reference": booking_reference(booking.id),
        "price": f"{booking.price} {booking.currency}",
        "reason": str(payload.get("reason") or ""),
        "documents": [str(d.get("name", "")) for d in payload.get("documents", [])],
        "hours_before": int(payload.get("hours_before", 0)),
    }
    moved_from = payload.get("from")
    if isinstance(moved_from, dict):
        before = session.get(Provider, moved_from.get("provider"))
        before_zone = zone(before.timezone) if before and before.timezone else local
        context["previous_provider"] = before.name if before else provider.name
        context["previous_start"] = format_local(
            datetime.fromisoformat(str(moved_from["start"])), before_zone
        )
    return context
