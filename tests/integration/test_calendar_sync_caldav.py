"""A provider's CalDAV calendar (a real Radicale) blocks their slots after one sync: new events,
weekly ones across the clock change, deleted ones freed; bad credentials refused on save."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from sqlmodel import select

from domain.calendars.connections import ConnectionCreate, add_connection, remove_connection
from domain.calendars.sources import CalendarUnreachable
from domain.calendars.sync import sync_connection
from domain.kernel.errors import Forbidden, SlotUnavailable
from domain.kernel.uow import UnitOfWork
from domain.models import CalendarConnection
from testkit.calendar_servers import Radicale, running_radicale
from testkit.processes import free_port
from tests.support.calendar_world import (
    ADMIN,
    BERLIN,
    WEBER,
    event,
    hold,
    load_practice,
    offered,
)

TUESDAY = datetime(2026, 3, 3, 0, 0, tzinfo=BERLIN)


@pytest.fixture(scope="module")
def radicale(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Radicale]:
    with running_radicale(tmp_path_factory.mktemp("radicale")) as server:
        yield server


@pytest.fixture
def calendar(radicale: Radicale) -> Any:
    """A fresh calendar in Dr. Weber's Radicale account."""
    return radicale.make_calendar(f"cal-{uuid.uuid4().hex[:8]}")


def connect(uow: UnitOfWork, radicale: Radicale, calendar: Any, **changes: Any) -> str:
    load_practice(uow)
    fields = {
        "kind": "caldav",
        "url": str(calendar.url),
        "username": radicale.username,
        "password": radicale.password,
    } | changes
    connection = add_connection(
        uow=uow, staff=WEBER, provider_id="dr-weber", connection_in=ConnectionCreate(**fields)
    )
    return connection.id


def test_an_event_added_in_radicale_removes_its_slot_after_one_sync_and_refuses_a_hold(
    uow: UnitOfWork, radicale: Radicale, calendar: Any
) -> None:
    connection_id = connect(uow, radicale, calendar)
    assert "10:00" in offered(uow, TUESDAY)

    calendar.save_event(event("dentist", "20260303T100000", "20260303T110000"))
    assert "10:00" in offered(uow, TUESDAY)  # not synced yet: the cache is what counts
    report = sync_connection(uow=uow, connection_id=connection_id)

    assert report is not None
    assert report.changed
    assert report.error is None
    assert offered(uow, TUESDAY) == ["09:00", "11:00", "12:00", "13:00", "14:00", "15:00", "16:00"]
    with pytest.raises(SlotUnavailable):
        hold(uow, datetime(2026, 3, 3, 10, 0, tzinfo=BERLIN))
    assert hold(uow, datetime(2026, 3, 3, 11, 0, tzinfo=BERLIN)).id
    assert offered(uow, TUESDAY, provider_id="dr-roth")[1] == "10:00"  # only his calendar


def test_a_weekly_event_blocks_the_same_local_hour_on_both_sides_of_the_clock_change(
    uow: UnitOfWork, radicale: Radicale, calendar: Any
) -> None:
    # Mondays at 10:00 Berlin time from 16 March; clocks go forward on Sunday 29 March 2026.
    weekly = event(
        "team", "20260316T100000", "20260316T110000", extra="RRULE:FREQ=WEEKLY;COUNT=4\r\n"
    )
    calendar.save_event(weekly)
    connect(uow, radicale, calendar)

    for day in (16, 23, 30):
        monday = datetime(2026, 3, day, tzinfo=BERLIN)
        assert offered(uow, monday)[:3] == ["09:00", "11:00", "12:00"], monday
    assert offered(uow, datetime(2026, 4, 13, tzinfo=BERLIN))[:2] == ["09:00", "10:00"]
    with pytest.raises(SlotUnavailable):
        hold(uow, datetime(2026, 3, 30, 10, 0, tzinfo=BERLIN))  # 08:00 UTC, after the change
    assert hold(uow, datetime(2026, 3, 30, 9, 0, tzinfo=BERLIN)).id


def test_an_event_deleted_in_radicale_frees_its_slot_after_the_next_sync(
    uow: UnitOfWork, radicale: Radicale, calendar: Any
) -> None:
    calendar.save_event(event("court", "20260303T140000", "20260303T160000"))
    connection_id = connect(uow, radicale, calendar)
    assert "14:00" not in offered(uow, TUESDAY)
    assert "15:00" not in offered(uow, TUESDAY)

    calendar.event_by_uid("court").delete()
    sync_connection(uow=uow, connection_id=connection_id)

    assert "14:00" in offered(uow, TUESDAY)
    assert "15:00" in offered(uow, TUESDAY)


def test_an_unchanged_calendar_is_not_read_again(
    uow: UnitOfWork, radicale: Radicale, calendar: Any
) -> None:
    calendar.save_event(event("a", "20260303T100000", "20260303T110000"))
    connection_id = connect(uow, radicale, calendar)

    unchanged = sync_connection(uow=uow, connection_id=connection_id)
    calendar.save_event(event("b", "20260303T120000", "20260303T130000"))
    changed = sync_connection(uow=uow, connection_id=connection_id)

    assert unchanged is not None
    assert not unchanged.changed
    assert changed is not None
    assert changed.changed
    assert changed.intervals == 2


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"password": "wrong"}, "refused the username or password"),
        ({"url": "MISSING"}, "No such calendar at http://127.0.0.1"),
        ({"url": "UNREACHABLE"}, "Could not reach http://127.0.0.1"),
    ],
)
def test_a_calendar_that_cannot_be_read_is_refused_on_save_with_the_reason(
    uow: UnitOfWork, radicale: Radicale, calendar: Any, changes: dict[str, str], reason: str
) -> None:
    if changes.get("url") == "MISSING":
        changes["url"] = radicale.calendar_url("no-such-calendar")
    elif changes.get("url") == "UNREACHABLE":
        changes["url"] = f"http://127.0.0.1:{free_port()}/dr-weber/work/"

    with pytest.raises(CalendarUnreachable, match=reason) as refused:
        connect(uow, radicale, calendar, **changes)

    assert radicale.password not in refused.value.message
    with uow.reading() as reader:
        assert reader.session.exec(select(CalendarConnection)).all() == []


def test_removing_a_connection_frees_the_slots_its_events_blocked(
    uow: UnitOfWork, radicale: Radicale, calendar: Any
) -> None:
    calendar.save_event(event("gym", "20260303T090000", "20260303T100000"))
    connection_id = connect(uow, radicale, calendar)
    assert offered(uow, TUESDAY)[0] == "10:00"

    with pytest.raises(Forbidden):
        remove_connection(
            uow=uow, staff=_roth(), provider_id="dr-weber", connection_id=connection_id
        )
    remove_connection(uow=uow, staff=ADMIN, provider_id="dr-weber", connection_id=connection_id)

    assert offered(uow, TUESDAY)[0] == "09:00"


def _roth() -> Any:
    return WEBER.model_copy(update={"id": "staff-roth", "provider_id": "dr-roth"})


def test_the_password_is_sealed_at_rest(uow: UnitOfWork, radicale: Radicale, calendar: Any) -> None:
    connect(uow, radicale, calendar)
    with uow.reading() as reader:
        stored = (
            reader.session.connection()
            .exec_driver_sql("SELECT url, password FROM calendar_connections")
            .one()
        )
    assert radicale.password not in stored[1]
    assert stored[1].startswith("fd1:")
    assert "cal-" not in stored[0]
