"""Events become busy intervals in UTC: floating and all-day times in the provider's zone,
durations, cancelled and free events, recurrences with exceptions."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from domain.calendars.busy_times import UnreadableCalendar, busy_intervals, parse_calendars

BERLIN = ZoneInfo("Europe/Berlin")
START, END = datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 5, 1, tzinfo=UTC)


def busy(*events: str, count_tentative: bool = True) -> list[tuple[str, str]]:
    text = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\n" + "".join(
        f"BEGIN:VEVENT\r\nUID:e{n}\r\nDTSTAMP:20260301T000000Z\r\n{body}END:VEVENT\r\n"
        for n, body in enumerate(events)
    )
    calendars = parse_calendars([text + "END:VCALENDAR\r\n"])
    found = busy_intervals(
        calendars, start=START, end=END, zone=BERLIN, count_tentative=count_tentative
    )
    return [(since.isoformat(), until.isoformat()) for since, until in found]


def test_floating_times_are_the_providers_local_time() -> None:
    assert busy("DTSTART:20260303T100000\r\nDURATION:PT90M\r\n") == [
        ("2026-03-03T09:00:00+00:00", "2026-03-03T10:30:00+00:00")
    ]


def test_an_all_day_event_after_the_clock_change_is_a_23_hour_local_day() -> None:
    assert busy("DTSTART;VALUE=DATE:20260329\r\n") == [
        ("2026-03-28T23:00:00+00:00", "2026-03-29T22:00:00+00:00")
    ]


def test_cancelled_events_do_not_block() -> None:
    assert busy("DTSTART:20260303T100000Z\r\nDTEND:20260303T110000Z\r\nSTATUS:CANCELLED\r\n") == []


def test_a_recurrence_skips_its_excluded_dates_and_keeps_local_time_across_dst() -> None:
    weekly = (
        "DTSTART;TZID=Europe/Berlin:20260323T100000\r\nDTEND;TZID=Europe/Berlin:20260323T110000\r\n"
        "RRULE:FREQ=WEEKLY;COUNT=3\r\nEXDATE;TZID=Europe/Berlin:20260330T100000\r\n"
    )
    assert busy(weekly) == [
        ("2026-03-23T09:00:00+00:00", "2026-03-23T10:00:00+00:00"),
        ("2026-04-06T08:00:00+00:00", "2026-04-06T09:00:00+00:00"),
    ]


def test_text_that_is_no_calendar_is_refused_with_a_reason() -> None:
    with pytest.raises(UnreadableCalendar, match="Not an iCalendar file"):
        parse_calendars(["<html>Sign in</html>"])
