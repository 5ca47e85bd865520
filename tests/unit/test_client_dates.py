"""Dates as a client reads them in a chat: relative to the practice's clock, the year only when
it is not this one, and the zone only when it is not the practice's."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from domain.kernel.timefmt import format_when
from testkit.when_labels import label_wall_time, label_zone

BERLIN = ZoneInfo("Europe/Berlin")
TORONTO = ZoneInfo("America/Toronto")
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=BERLIN)  # Monday


def said(wall: str, tz: ZoneInfo = BERLIN, *, home: ZoneInfo | None = BERLIN) -> str:
    return format_when(datetime.fromisoformat(wall).replace(tzinfo=tz), tz, now=NOW, home=home)


@pytest.mark.parametrize(
    ("wall", "shown"),
    [
        ("2026-03-02T14:30", "today, 14:30"),
        ("2026-03-03T08:00", "tomorrow, 08:00"),
        ("2026-03-05T08:00", "Thu 5 Mar, 08:00"),
        ("2026-12-31T17:00", "Thu 31 Dec, 17:00"),
        ("2027-01-04T09:15", "Mon 4 Jan 2027, 09:15"),
    ],
)
def test_a_start_is_said_from_the_practices_today(wall: str, shown: str) -> None:
    assert said(wall) == shown


def test_today_is_the_local_day_not_the_utc_one() -> None:
    late = datetime(2026, 3, 2, 23, 30, tzinfo=BERLIN)  # 22:30 UTC, still Monday in Berlin
    after_midnight = datetime(2026, 3, 3, 0, 30, tzinfo=BERLIN)  # Monday 23:30 UTC
    assert format_when(after_midnight, BERLIN, now=late, home=BERLIN) == "tomorrow, 00:30"


def test_the_year_turns_at_new_year() -> None:
    eve = datetime(2026, 12, 31, 10, 0, tzinfo=BERLIN)
    assert format_when(
        datetime(2027, 1, 1, 10, 0, tzinfo=BERLIN), BERLIN, now=eve, home=BERLIN
    ) == ("tomorrow, 10:00")
    assert format_when(
        datetime(2027, 1, 2, 10, 0, tzinfo=BERLIN), BERLIN, now=eve, home=BERLIN
    ) == ("Sat 2 Jan 2027, 10:00")


def test_a_provider_in_another_zone_than_the_practice_is_named_by_its_zone() -> None:
    assert said("2026-03-05T08:00", TORONTO, home=BERLIN) == "Thu 5 Mar, 08:00 EST"
    assert said("2026-03-09T08:00", TORONTO, home=BERLIN) == "Mon 9 Mar, 08:00 EDT"
    assert said("2026-03-05T08:00", TORONTO, home=TORONTO) == "Thu 5 Mar, 08:00"


def test_without_a_home_zone_the_zone_is_the_readers_own() -> None:
    assert said("2026-03-05T08:00", TORONTO, home=None) == "Thu 5 Mar, 08:00"


class TestReadingLabelsBack:
    def test_every_shape_reads_back_as_its_wall_time(self) -> None:
        today = NOW.date()
        for wall in (
            "2026-03-02T14:30",
            "2026-03-03T08:00",
            "2026-03-05T08:00",
            "2027-01-04T09:15",
        ):
            assert label_wall_time(said(wall), today=today) == datetime.fromisoformat(wall)

    def test_the_zone_named_is_read(self) -> None:
        assert label_zone(said("2026-03-05T08:00", TORONTO, home=BERLIN)) == "EST"
        assert label_zone(said("2026-03-05T08:00")) is None

    def test_a_weekday_that_does_not_fit_its_date_is_refused(self) -> None:
        with pytest.raises(ValueError, match="not a Thursday"):
            label_wall_time("Wed 5 Mar, 08:00", today=date(2026, 3, 2))
