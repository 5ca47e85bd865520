"""The practice's figures, checked against a small world whose numbers are worked out by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from domain.booking.holds import hold_slot, release_hold
from domain.conversations.handoff import close, hand_back, request_handoff, take_over
from domain.conversations.opening import open_conversation
from domain.kernel.actors import SYSTEM, Actor
from domain.kernel.clock import FrozenClock
from domain.kernel.errors import Forbidden, InvalidInput
from domain.kernel.uow import UnitOfWork
from domain.models import StaffRole, StaffUser
from domain.reporting.figures import Counts, open_minutes, practice_figures
from domain.scheduling.availability import ProviderCalendar
from domain.scheduling.day_grid import OpeningRange
from domain.staff.accounts import create_staff
from domain.world.loader import load_world
from domain.world.schema import WorldIn

BERLIN = ZoneInfo("Europe/Berlin")
MONDAY, TUESDAY, WEDNESDAY = date(2026, 3, 2), date(2026, 3, 3), date(2026, 3, 4)
NOW = "2026-03-02T08:00:00+01:00"

# Ada: Monday 09-12 and 13-17 less an hour off (360 min); Tuesday's override 10-11 (60 min).
# Bo: Wednesday 08-10 (120 min). Sunday's and Thursday's bookings fall outside the range.
WORLD = {
    "now": NOW,
    "timezone": "Europe/Berlin",
    "services": [
        {"id": "short", "name": "Short visit", "duration_min": 30},
        {"id": "long", "name": "Long visit", "duration_min": 60},
    ],
    "providers": [
        {
            "id": "ada",
            "name": "Ada",
            "timezone": "Europe/Berlin",
            "services": ["short", "long"],
            "hours": {"mon": ["09:00-12:00", "13:00-17:00"], "tue": ["09:00-12:00"]},
            "overrides": {"2026-03-03": ["10:00-11:00"]},
            "time_off": [{"start": "2026-03-02T15:00", "end": "2026-03-02T16:00"}],
            "slot_step_min": 30,
        },
        {
            "id": "bo",
            "name": "Bo",
            "timezone": "Europe/Berlin",
            "services": ["short"],
            "hours": {"wed": ["08:00-10:00"], "thu": ["08:00-10:00"], "sun": ["08:00-10:00"]},
            "slot_step_min": 30,
        },
    ],
    "clients": [{"id": "cleo", "name": "Cleo"}, {"id": "dan", "name": "Dan"}],
    "bookings": [
        {"client": "cleo", "service": "short", "provider": "ada", "start": "2026-03-02T09:00",
         "status": "completed"},
        {"client": "dan", "service": "long", "provider": "ada", "start": "2026-03-02T09:30",
         "status": "no_show"},
        {"client": "cleo", "service": "short", "provider": "ada", "start": "2026-03-02T11:00",
         "status": "cancelled"},
        {"client": "dan", "service": "short", "provider": "ada", "start": "2026-03-02T13:00",
         "status": "completed"},
        {"client": "cleo", "service": "short", "provider": "ada", "start": "2026-03-03T10:00"},
        {"client": "dan", "service": "short", "provider": "bo", "start": "2026-03-04T08:00"},
        {"client": "cleo", "service": "short", "provider": "bo", "start": "2026-03-04T08:30",
         "status": "cancelled"},
        {"client": "cleo", "service": "short", "provider": "bo", "start": "2026-03-01T08:00",
         "status": "completed"},
        {"client": "dan", "service": "short", "provider": "bo", "start": "2026-03-05T08:00"},
    ],
}  # fmt: skip


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(datetime.fromisoformat(NOW))


@pytest.fixture
def admin(uow: UnitOfWork) -> StaffUser:
    load_world(uow=uow, world=WorldIn.model_validate(WORLD), base_dir=Path("."), source="analytics")
    return staff(uow, "admin@example.com", StaffRole.ADMIN)


def staff(
    uow: UnitOfWork, email: str, role: StaffRole, provider_id: str | None = None
) -> StaffUser:
    return create_staff(
        uow=uow,
        actor=SYSTEM,
        email=email,
        name=email.split("@")[0],
        role=role,
        password=None,
        provider_id=provider_id,
    )


def test_bookings_are_counted_per_day_provider_and_service(
    uow: UnitOfWork, admin: StaffUser
) -> None:
    # A hold let go never was a booking.
    held = hold_slot(
        uow=uow,
        actor=Actor(kind="staff", id=admin.id),
        client_id="dan",
        provider_id="ada",
        service_id="short",
        start=datetime(2026, 3, 3, 10, 30, tzinfo=BERLIN),
        idempotency_key="let-go",
    )
    release_hold(uow=uow, actor=Actor(kind="staff", id=admin.id), booking_id=held.id)

    figures = practice_figures(uow=uow, staff=admin, first_day=MONDAY, last_day=WEDNESDAY)

    assert figures.totals == Counts(confirmed=2, completed=2, no_show=1, cancelled=2)
    assert figures.totals.bookings == 7
    assert figures.totals.no_show_rate == round(1 / 3, 4)
    assert figures.totals.cancellation_rate == round(2 / 7, 4)
    assert figures.per_day == [
        (MONDAY, Counts(completed=2, no_show=1, cancelled=1)),
        (TUESDAY, Counts(confirmed=1)),
        (WEDNESDAY, Counts(confirmed=1, cancelled=1)),
    ]
    assert [(s, n, c.bookings) for s, n, c in figures.per_service] == [
        ("long", "Long visit", 1),
        ("short", "Short visit", 6),
    ]


def test_utilisation_is_booked_over_open_minutes_from_hours_overrides_and_time_off(
    uow: UnitOfWork, admin: StaffUser
) -> None:
    figures = practice_figures(uow=uow, staff=admin, first_day=MONDAY, last_day=WEDNESDAY)

    by_id = {p.provider_id: p for p in figures.per_provider}
    ada, bo = by_id["ada"], by_id["bo"]
    # Cancelled time is free again; a no-show's was kept all the same.
    assert (ada.booked_minutes, ada.open_minutes) == (30 + 60 + 30 + 30, 360 + 60)
    assert ada.utilisation == round(150 / 420, 4)
    assert (bo.booked_minutes, bo.open_minutes, bo.utilisation) == (30, 120, 0.25)
    assert ada.counts.no_show_rate == round(1 / 3, 4)  # two came, one did not
    assert bo.counts.no_show_rate is None  # nothing has happened yet to miss


def test_a_day_without_hours_has_no_utilisation(uow: UnitOfWork, admin: StaffUser) -> None:
    figures = practice_figures(uow=uow, staff=admin, first_day=TUESDAY, last_day=TUESDAY)
    bo = next(p for p in figures.per_provider if p.provider_id == "bo")
    assert (bo.open_minutes, bo.utilisation) == (0, None)


def test_share_of_conversations_that_reached_a_person(
    uow: UnitOfWork, admin: StaffUser, clock: FrozenClock
) -> None:
    provider = staff(uow, "ada@example.com", StaffRole.PROVIDER, "ada")
    for n in range(4):
        open_conversation(uow=uow, conversation_id=f"c{n}", channel="web", client_id=None)
    request_handoff(uow=uow, actor=SYSTEM, conversation_id="c0", reason="asked for a person")
    # A provider sees a conversation with a visitor only once it waits for a person; an admin
    # may take any over.
    take_over(uow=uow, staff_id=admin.id, conversation_id="c1")
    hand_back(uow=uow, staff_id=admin.id, conversation_id="c1")  # back with the agent now
    request_handoff(uow=uow, actor=SYSTEM, conversation_id="c2", reason="asked for a person")
    close(uow=uow, staff_id=provider.id, conversation_id="c2")
    clock.advance(timedelta(days=3))  # Thursday: after the range
    open_conversation(uow=uow, conversation_id="late", channel="web", client_id=None)
    request_handoff(uow=uow, actor=SYSTEM, conversation_id="late", reason="asked for a person")

    figures = practice_figures(uow=uow, staff=admin, first_day=MONDAY, last_day=WEDNESDAY)

    assert (figures.conversations, figures.handed_to_humans) == (4, 3)
    assert figures.handoff_share == 0.75


def test_open_minutes_count_elapsed_time_on_the_day_clocks_go_forward() -> None:
    calendar = ProviderCalendar(
        timezone=BERLIN,
        weekly={6: [OpeningRange(time(1, 0), time(5, 0))]},  # Sundays
        buffer=timedelta(),
        step=timedelta(minutes=30),
    )
    sunday = datetime(2026, 3, 29, tzinfo=BERLIN)  # 02:00 becomes 03:00
    assert open_minutes(calendar, sunday, sunday + timedelta(days=1)) == 180
    week_before = datetime(2026, 3, 22, tzinfo=BERLIN)
    assert open_minutes(calendar, week_before, week_before + timedelta(days=1)) == 240
    # Only the part inside the range counts.
    three = datetime(2026, 3, 22, 3, 0, tzinfo=BERLIN).astimezone(UTC)
    assert open_minutes(calendar, three, three + timedelta(hours=12)) == 120


@pytest.mark.parametrize(
    ("first", "last", "field"),
    [
        (WEDNESDAY, MONDAY, "to"),
        (MONDAY, MONDAY + timedelta(days=366), "to"),
        (date(1, 1, 1), MONDAY, "from"),
    ],
)
def test_a_reversed_too_long_or_impossible_range_is_refused(
    uow: UnitOfWork, admin: StaffUser, first: date, last: date, field: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        practice_figures(uow=uow, staff=admin, first_day=first, last_day=last)
    assert refused.value.field == field


def test_only_admins_see_the_figures(uow: UnitOfWork, admin: StaffUser) -> None:
    provider = staff(uow, "ada@example.com", StaffRole.PROVIDER, "ada")
    with pytest.raises(Forbidden):
        practice_figures(uow=uow, staff=provider, first_day=MONDAY, last_day=MONDAY)
