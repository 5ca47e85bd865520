"""Why a time is not free, or a search finds nothing: the domain says it, with the numbers.

One dermatologist in Berlin who works Monday and Tuesday 09:00-12:00, is away on Thursday 5 March
and fully booked on Tuesday 3 March; the practice asks 120 minutes' notice and books at most 30
days ahead. The clock stands at Monday 2 March 2026, 09:00.
"""

from __future__ import annotations

from datetime import datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from domain.kernel.uow import UnitOfWork
from domain.models import Provider, Service
from domain.scheduling.refusals import why_none_free, why_not_free
from domain.world.loader import load_world
from domain.world.schema import WorldIn

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=BERLIN)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=BERLIN)


@pytest.fixture
def clinic(uow: UnitOfWork) -> tuple[Provider, Service]:
    booked_tuesday = [
        {"client": "c", "service": "derm", "provider": "dr-weber", "start": f"2026-03-03T{t}"}
        for t in ("09:00", "10:00", "11:00")
    ]
    world: dict[str, Any] = {
        "now": NOW.isoformat(),
        "timezone": "Europe/Berlin",
        "policies": {"min_notice_minutes": 120, "max_advance_days": 30},
        "services": [{"id": "derm", "name": "Dermatology consultation", "duration_min": 60}],
        "providers": [
            {
                "id": "dr-weber",
                "name": "Dr. Weber",
                "services": ["derm"],
                "timezone": "Europe/Berlin",
                "hours": {
                    "mon": ["09:00-12:00"],
                    "tue": ["09:00-12:00"],
                    "thu": ["09:00-12:00"],
                },
                "slot_step_min": 60,
                "time_off": [{"start": "2026-03-05T00:00", "end": "2026-03-06T00:00"}],
            }
        ],
        "clients": [{"id": "c", "name": "C"}],
        "bookings": booked_tuesday,
    }
    load_world(uow=uow, world=WorldIn.model_validate(world), base_dir=Path("."), source="test")
    with uow.reading() as reader:
        provider = reader.session.get(Provider, "dr-weber")
        service = reader.session.get(Service, "derm")
        assert provider is not None
        assert service is not None
        return provider, service


def test_a_time_inside_the_notice_names_the_notice_and_the_earliest_start(
    uow: UnitOfWork, clinic: tuple[Provider, Service]
) -> None:
    provider, service = clinic
    refused = why_not_free(uow, provider=provider, service=service, start=at(2, 10))
    assert refused is not None
    assert refused.reason == "too_soon"
    assert "120 minutes' notice" in str(refused)
    assert "11:00" in str(refused)


def test_a_free_time_has_nothing_to_explain(
    uow: UnitOfWork, clinic: tuple[Provider, Service]
) -> None:
    provider, service = clinic
    assert why_not_free(uow, provider=provider, service=service, start=at(2, 11)) is None


@pytest.mark.parametrize(
    ("first", "last", "day_part", "reason", "words"),
    [
        (at(3, 0), at(4, 0), (None, None), "taken", ["fully booked", "Tuesday 3 March"]),
        (at(5, 0), at(6, 0), (None, None), "time_off", ["away", "Thursday 5 March"]),
        (at(4, 0), at(5, 0), (None, None), "closed", ["has no Dermatology", "Wednesday 4 March"]),
        (at(2, 0), at(3, 0), (time(12), time(17)), "closed", ["in the afternoon"]),
        (
            datetime(2026, 4, 6, 0, 0, tzinfo=BERLIN),
            datetime(2026, 4, 7, 0, 0, tzinfo=BERLIN),
            (None, None),
            "too_far",
            ["30 days ahead", "1 Apr"],
        ),
    ],
    ids=["fully-booked", "away", "not-working", "outside-hours", "past-window"],
)
def test_a_search_that_finds_nothing_says_why(
    uow: UnitOfWork,
    clinic: tuple[Provider, Service],
    first: datetime,
    last: datetime,
    day_part: tuple[time | None, time | None],
    reason: str,
    words: list[str],
) -> None:
    provider, service = clinic
    refused = why_none_free(
        uow,
        provider=provider,
        service=service,
        start=first,
        end=last,
        day_from=day_part[0],
        day_until=day_part[1],
    )
    assert refused.reason == reason
    for word in words:
        assert word in str(refused)


def test_a_day_whose_every_start_is_inside_the_notice_says_so(
    uow: UnitOfWork, clinic: tuple[Provider, Service]
) -> None:
    provider, service = clinic
    refused = why_none_free(
        uow,
        provider=provider,
        service=service,
        start=at(2, 0),
        end=at(3, 0),
        day_until=time(11),
    )
    assert refused.reason == "too_soon"
    assert "notice" in str(refused)
