"""Searching many providers costs a fixed number of queries and finds the right people."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, event

from domain.kernel.uow import UnitOfWork
from domain.scheduling.slots import SlotQuery, search_slots
from domain.scheduling.soonest import soonest_starts
from domain.world.loader import load_world
from domain.world.schema import WorldIn

BERLIN = ZoneInfo("Europe/Berlin")
MONDAY = datetime(2026, 3, 2, 9, 0, tzinfo=BERLIN)


def clinic(doctors: int) -> WorldIn:
    """A clinic of identical dermatologists, each with one existing booking on Tuesday."""
    providers = [
        {
            "id": f"dr-{i}",
            "name": f"Dr. Number {i}",
            "specialties": ["dermatology"],
            "services": ["derm"],
            "timezone": "Europe/Berlin",
            "location": "Mitte" if i % 2 else "Pankow",
            "hours": {"mon": ["09:00-12:00", "13:00-17:00"], "tue": ["09:00-17:00"]},
            "buffer_min": 10,
            "slot_step_min": 30,
        }
        for i in range(doctors)
    ]
    bookings = [
        {"client": "c", "service": "derm", "provider": f"dr-{i}", "start": "2026-03-03T10:00"}
        for i in range(doctors)
    ]
    world: dict[str, Any] = {
        "now": MONDAY.isoformat(),
        "timezone": "Europe/Berlin",
        "services": [{"id": "derm", "name": "Dermatology", "duration_min": 30}],
        "providers": providers,
        "clients": [{"id": "c", "name": "C"}],
        "bookings": bookings,
    }
    return WorldIn.model_validate(world)


@contextmanager
def counting_statements(engine: Engine) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def search(uow: UnitOfWork, **filters: Any) -> list[tuple[str, list[str]]]:
    query = SlotQuery(start=MONDAY, end=MONDAY + timedelta(days=2), **filters)
    return [
        (found.provider.id, [s.astimezone(BERLIN).strftime("%a %H:%M") for s in found.starts])
        for found in search_slots(uow=uow, query=query)
    ]


@pytest.mark.parametrize("doctors", [3, 60])
def test_queries_do_not_grow_with_the_number_of_providers(uow: UnitOfWork, doctors: int) -> None:
    load_world(uow=uow, world=clinic(doctors), base_dir=Path("."), source="clinic")
    with counting_statements(uow.engine) as statements:
        found = search(uow, specialty="derm")
    assert len(found) == doctors
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    # Providers with their services' ids, the services, the practice, weekly hours, overrides,
    # time off, bookings and the busy time cached from the providers' own calendars.
    assert len(selects) == 8, selects


def test_filters_and_parts_of_day(uow: UnitOfWork) -> None:
    load_world(uow=uow, world=clinic(4), base_dir=Path("."), source="clinic")
    afternoon = search(uow, provider_id="dr-1", day_from=time(15, 0))
    assert afternoon == [
        (
            "dr-1",
            [
                "Mon 15:00",
                "Mon 15:30",
                "Mon 16:00",
                "Mon 16:30",
                "Tue 15:00",
                "Tue 15:30",
                "Tue 16:00",
                "Tue 16:30",
            ],
        )
    ]
    tuesday_morning = search(uow, provider_name="number 2", day_until=time(11, 0))
    assert tuesday_morning == [("dr-2", ["Tue 09:00"])]  # 10:00 booked, buffers
    assert [p for p, _ in search(uow, location="pankow")] == ["dr-0", "dr-2"]
    assert search(uow, specialty="cardiology") == []


@pytest.mark.parametrize(
    ("limit", "filters"),
    [
        (1, {}),
        (40, {}),
        (100, {}),  # more than Monday holds: a second stretch of the week is read
        (30, {"day_from": time(15, 0), "limit_per_provider": 3}),
    ],
)
def test_soonest_starts_are_the_first_of_every_providers_free_starts(
    uow: UnitOfWork, limit: int, filters: dict[str, Any]
) -> None:
    load_world(uow=uow, world=clinic(6), base_dir=Path("."), source="clinic")
    query = SlotQuery(start=MONDAY, end=MONDAY + timedelta(days=7), specialty="derm", **filters)
    everyone = sorted(
        (start, found.provider.name)
        for found in search_slots(uow=uow, query=query)
        for start in found.starts
    )

    soonest = soonest_starts(uow=uow, query=query, limit=limit)

    assert [(found.start, found.provider.name) for found in soonest] == everyone[:limit]
    assert all(found.service.id == "derm" for found in soonest)
