"""An ICS feed served over HTTP blocks a provider's slots: all-day events in the provider's zone,
free and tentative events as configured; a failed sync keeps what was read and says why."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest

from channels.calendar_refresher import CalendarRefresher
from domain.booking.confirmation import confirm_booking
from domain.calendars.connections import ConnectionCreate, add_connection
from domain.calendars.sync import due_connections, sync_connection, sync_due
from domain.kernel.clock import FrozenClock
from domain.kernel.errors import SlotUnavailable
from domain.kernel.uow import UnitOfWork
from domain.models import CalendarConnection
from domain.scheduling.slots import SlotQuery
from domain.scheduling.soonest import soonest_starts
from testkit.calendar_servers import IcsFeed, serving_ics_feed
from tests.support.calendar_world import (
    ANNA,
    BERLIN,
    WEBER,
    event,
    hold,
    load_practice,
    offered,
)

TUESDAY = datetime(2026, 3, 3, tzinfo=BERLIN)
WEDNESDAY = TUESDAY + timedelta(days=1)
ALL_DAY_WEDNESDAY = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nBEGIN:VEVENT\r\nUID:conference\r\n"
    "DTSTAMP:20260301T000000Z\r\nDTSTART;VALUE=DATE:20260304\r\nDTEND;VALUE=DATE:20260305\r\n"
    "END:VEVENT\r\nEND:VCALENDAR\r\n"
)


@pytest.fixture
def feed() -> Iterator[IcsFeed]:
    with serving_ics_feed() as served:
        yield served


def connect(uow: UnitOfWork, feed: IcsFeed, *, count_tentative: bool = True) -> str:
    load_practice(uow)
    connection_in = ConnectionCreate(kind="ics_feed", url=feed.url, count_tentative=count_tentative)
    return add_connection(
        uow=uow, staff=WEBER, provider_id="dr-weber", connection_in=connection_in
    ).id


def test_an_all_day_event_blocks_the_providers_whole_local_day(
    uow: UnitOfWork, feed: IcsFeed
) -> None:
    feed.body = ALL_DAY_WEDNESDAY
    connect(uow, feed)

    assert offered(uow, WEDNESDAY) == []
    assert offered(uow, TUESDAY)[-1] == "16:00"
    assert offered(uow, WEDNESDAY + timedelta(days=1))[0] == "09:00"


@pytest.mark.parametrize(("count_tentative", "blocked"), [(True, True), (False, False)])
def test_free_events_never_block_and_tentative_ones_block_as_configured(
    uow: UnitOfWork, feed: IcsFeed, count_tentative: bool, blocked: bool
) -> None:
    free = event("lunch", "20260303T120000", "20260303T130000", extra="TRANSP:TRANSPARENT\r\n")
    maybe = event("maybe", "20260303T150000", "20260303T160000", extra="STATUS:TENTATIVE\r\n")
    feed.body = free + maybe
    connect(uow, feed, count_tentative=count_tentative)

    starts = offered(uow, TUESDAY)
    assert "12:00" in starts
    assert ("15:00" not in starts) is blocked


def test_a_failed_sync_keeps_the_busy_time_it_had_and_records_why(
    uow: UnitOfWork, feed: IcsFeed
) -> None:
    feed.body = event("dentist", "20260303T100000", "20260303T110000")
    connection_id = connect(uow, feed)

    feed.status = 503
    report = sync_connection(uow=uow, connection_id=connection_id)

    assert report is not None
    origin = feed.url.split("/private/")[0]
    assert report.error == f"The feed at {origin} answered HTTP 503."
    assert "10:00" not in offered(uow, TUESDAY)
    with uow.reading() as reader:
        connection = reader.session.get(CalendarConnection, connection_id)
        assert connection is not None
        assert connection.last_error == report.error
        assert "feed-token-123" not in connection.last_error  # a feed's path is its secret

    feed.status = 200
    sync_connection(uow=uow, connection_id=connection_id)
    with uow.reading() as reader:
        connection = reader.session.get(CalendarConnection, connection_id)
        assert connection is not None
        assert connection.last_error is None


def test_the_worker_refreshes_only_connections_not_tried_for_the_interval(
    uow: UnitOfWork, feed: IcsFeed, clock: FrozenClock
) -> None:
    connection_id = connect(uow, feed)
    every = timedelta(minutes=5)
    assert due_connections(uow=uow, every=every) == []

    clock.advance(timedelta(minutes=5))
    feed.body = event("dentist", "20260303T100000", "20260303T110000")
    reports = sync_due(uow=uow, every=every)

    assert [report.connection_id for report in reports] == [connection_id]
    assert "10:00" not in offered(uow, TUESDAY)
    assert due_connections(uow=uow, every=every) == []


def test_the_workers_refresher_syncs_due_connections_and_says_why_one_failed(
    uow: UnitOfWork, feed: IcsFeed, clock: FrozenClock, caplog: pytest.LogCaptureFixture
) -> None:
    connect(uow, feed)
    clock.advance(timedelta(minutes=5))
    feed.status = 401
    refresher = CalendarRefresher(uow=lambda: uow, every=timedelta(minutes=5))

    reports = asyncio.run(refresher.run_once())

    assert [report.error for report in reports] == ["The feed refused the username or password."]
    assert "The feed refused the username or password." in caplog.text


def test_the_soonest_free_starts_skip_external_busy_time_too(
    uow: UnitOfWork, feed: IcsFeed
) -> None:
    feed.body = event("early", "20260303T090000", "20260303T110000")
    connect(uow, feed)

    query = SlotQuery(start=TUESDAY, end=WEDNESDAY, provider_id="dr-weber")
    soonest = soonest_starts(uow=uow, query=query, limit=2)

    assert [s.start.astimezone(BERLIN).strftime("%H:%M") for s in soonest] == ["11:00", "12:00"]


def test_a_confirm_rechecks_busy_time_synced_after_the_hold(uow: UnitOfWork, feed: IcsFeed) -> None:
    connection_id = connect(uow, feed)
    held = hold(uow, datetime(2026, 3, 3, 10, 0, tzinfo=BERLIN))

    feed.body = event("called-to-court", "20260303T103000", "20260303T113000")
    sync_connection(uow=uow, connection_id=connection_id)

    with pytest.raises(SlotUnavailable):
        confirm_booking(uow=uow, actor=ANNA, booking_id=held.id)
