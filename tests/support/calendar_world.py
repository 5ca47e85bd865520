"""A one-doctor practice whose provider keeps an external calendar, for the calendar tests."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from domain.booking.holds import hold_slot
from domain.kernel.actors import client_actor
from domain.kernel.uow import UnitOfWork
from domain.models import Booking, StaffRole, StaffUser
from domain.scheduling.slots import SlotQuery, search_slots
from domain.world.loader import load_world
from domain.world.schema import WorldIn

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=BERLIN)  # the test clock's (SAMPLE_NOW), a Monday
ADMIN = StaffUser(
    id="staff-admin", email="admin@example.org", name="Admin", role=StaffRole.ADMIN, created_at=NOW
)
WEBER = StaffUser(
    id="staff-weber",
    email="weber@example.org",
    name="Dr. Weber",
    role=StaffRole.PROVIDER,
    provider_id="dr-weber",
    created_at=NOW,
)
ANNA = client_actor("anna", "web")


def load_practice(uow: UnitOfWork) -> None:
    """Dr. Weber (Berlin) and Dr. Roth, hours 09:00-17:00 on weekdays, hour-long visits."""
    week = {day: ["09:00-17:00"] for day in ("mon", "tue", "wed", "thu", "fri")}
    doctor: dict[str, Any] = {
        "services": ["consult"],
        "timezone": "Europe/Berlin",
        "hours": week,
        "slot_step_min": 60,
    }
    world = WorldIn.model_validate(
        {
            "now": NOW.isoformat(),
            "timezone": "Europe/Berlin",
            "services": [{"id": "consult", "name": "Consultation", "duration_min": 60}],
            "providers": [
                {"id": "dr-weber", "name": "Dr. Weber", **doctor},
                {"id": "dr-roth", "name": "Dr. Roth", **doctor},
            ],
            "clients": [{"id": "anna", "name": "Anna"}],
        }
    )
    load_world(uow=uow, world=world, base_dir=Path("."), source="calendar-practice")


def offered(uow: UnitOfWork, day: datetime, provider_id: str = "dr-weber") -> list[str]:
    """The local starts offered on a day, as 'HH:MM'."""
    query = SlotQuery(start=day, end=day + timedelta(days=1), provider_id=provider_id)
    return [
        start.astimezone(BERLIN).strftime("%H:%M")
        for found in search_slots(uow=uow, query=query)
        for start in found.starts
    ]


def hold(uow: UnitOfWork, start: datetime, key: str = "anna-1") -> Booking:
    return hold_slot(
        uow=uow,
        actor=ANNA,
        client_id="anna",
        provider_id="dr-weber",
        service_id="consult",
        start=start,
        idempotency_key=key,
    )


def event(uid: str, start: str, end: str, *, extra: str = "", zone: str = "Europe/Berlin") -> str:
    """One VEVENT in a VCALENDAR, local times in `zone` ('20260303T100000')."""
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//frontdesk tests//EN\r\n"
        f"BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20260301T000000Z\r\n"
        f"DTSTART;TZID={zone}:{start}\r\nDTEND;TZID={zone}:{end}\r\nSUMMARY:Private\r\n"
        f"{extra}END:VEVENT\r\nEND:VCALENDAR\r\n"
    )
