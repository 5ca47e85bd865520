"""Specification of free appointment starts (domain/scheduling/availability.py).

Opening hours are local wall times in the provider's zone; everything else is UTC. Tests that do
not care about clock changes use Europe/London in January, where local time equals UTC, so the
expected instants read like the opening hours.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from domain.scheduling.availability import (
    AvailabilityChecker,
    BookingWindow,
    ProviderCalendar,
    Unavailability,
)
from domain.scheduling.day_grid import OpeningRange
from domain.scheduling.free_time import Interval

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")  # UTC+0 in January

OPEN_WINDOW = BookingWindow(earliest=datetime(2000, 1, 1, tzinfo=UTC), last_day=date(2100, 1, 1))

MONDAY = date(2026, 1, 12)  # an ordinary week in London: local wall time == UTC
TUESDAY = date(2026, 1, 13)
WEDNESDAY = date(2026, 1, 14)


def utc(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def jan(day: int, hour: int, minute: int = 0) -> datetime:
    """An instant in January 2026, UTC (and London local time)."""
    return utc(2026, 1, day, hour, minute)


def hours(opens: str, closes: str) -> OpeningRange:
    return OpeningRange(time.fromisoformat(opens), time.fromisoformat(closes))


def every_day(*ranges: OpeningRange) -> dict[int, Sequence[OpeningRange]]:
    return dict.fromkeys(range(7), ranges)


def make_checker(
    *,
    weekly: Mapping[int, Sequence[OpeningRange]],
    tz: ZoneInfo = LONDON,
    duration_min: int = 30,
    step_min: int = 30,
    buffer_min: int = 0,
    overrides: Mapping[date, Sequence[OpeningRange]] | None = None,
    time_off: Sequence[Interval] = (),
    busy: Sequence[Interval] = (),
    window: BookingWindow = OPEN_WINDOW,
) -> AvailabilityChecker:
    calendar = ProviderCalendar(
        timezone=tz,
        weekly=weekly,
        buffer=timedelta(minutes=buffer_min),
        step=timedelta(minutes=step_min),
        overrides=overrides or {},
        time_off=time_off,
        busy=busy,
    )
    return AvailabilityChecker(calendar, timedelta(minutes=duration_min), window)


def morning_checker(
    *,
    busy: Sequence[Interval] = (),
    time_off: Sequence[Interval] = (),
    window: BookingWindow = OPEN_WINDOW,
    buffer_min: int = 0,
) -> AvailabilityChecker:
    """London, open 09:00-12:00 every day, 30-minute appointments on a 30-minute step."""
    return make_checker(
        weekly=every_day(hours("09:00", "12:00")),
        busy=busy,
        time_off=time_off,
        window=window,
        buffer_min=buffer_min,
    )


# --- DST in Europe/Berlin ------------------------------------------------------------------------


class TestBerlinSpringForward:
    """Clocks go from 02:00 CET (UTC+1) to 03:00 CEST (UTC+2) on Sunday 2026-03-29."""

    def test_nine_oclock_opening_is_nine_local_on_every_day_of_the_spring_week(self) -> None:
        checker = make_checker(
            tz=BERLIN, weekly=every_day(hours("09:00", "10:00")), duration_min=60
        )

        starts = checker.free_starts(utc(2026, 3, 26, 0), utc(2026, 4, 1, 0))

        assert starts == [
            utc(2026, 3, 26, 8),
            utc(2026, 3, 27, 8),
            utc(2026, 3, 28, 8),
            utc(2026, 3, 29, 7),  # the change day: already summer time at 09:00
            utc(2026, 3, 30, 7),
            utc(2026, 3, 31, 7),
        ]

    def test_morning_slots_are_one_hour_earlier_in_utc_after_spring_forward(self) -> None:
        checker = make_checker(tz=BERLIN, weekly=every_day(hours("09:00", "12:00")))

        before = list(checker.grid_starts(date(2026, 3, 28)))
        after = list(checker.grid_starts(date(2026, 3, 30)))

        assert before == [utc(2026, 3, 28, h, m) for h in (8, 9, 10) for m in (0, 30)]
        assert after == [utc(2026, 3, 30, h, m) for h in (7, 8, 9) for m in (0, 30)]

    def test_nonexistent_wall_times_in_the_spring_gap_are_never_offered(self) -> None:
        checker = make_checker(
            tz=BERLIN, weekly={}, overrides={date(2026, 3, 29): [hours("01:00", "04:00")]}
        )

        starts = list(checker.grid_starts(date(2026, 3, 29)))

        # 01:00 and 01:30 CET, then 03:00 and 03:30 CEST; 02:00 and 02:30 do not exist.
        assert starts == [
            utc(2026, 3, 29, 0, 0),
            utc(2026, 3, 29, 0, 30),
            utc(2026, 3, 29, 1, 0),
            utc(2026, 3, 29, 1, 30),
        ]
        assert [s.astimezone(BERLIN).strftime("%H:%M") for s in starts] == [
            "01:00",
            "01:30",
            "03:00",
            "03:30",
        ]

    def test_night_slot_must_fit_before_closing_in_real_elapsed_time_across_the_gap(self) -> None:
        # 01:00-04:00 local on the change day is only two real hours (00:00-02:00 UTC).
        checker = make_checker(
            tz=BERLIN,
            weekly={},
            overrides={date(2026, 3, 29): [hours("01:00", "04:00")]},
            duration_min=120,
        )

        # 01:30 CET + 2h on the wall clock is 03:30 (< 04:00), but really ends 04:30 CEST.
        assert list(checker.grid_starts(date(2026, 3, 29))) == [utc(2026, 3, 29, 0)]
        assert checker.unavailability(utc(2026, 3, 29, 0, 30)) is Unavailability.CLOSED


class TestBerlinFallBack:
    """Clocks go from 03:00 CEST (UTC+2) back to 02:00 CET (UTC+1) on Sunday 2026-10-25."""

    def test_nine_oclock_opening_is_nine_local_on_every_day_of_the_autumn_week(self) -> None:
        checker = make_checker(
            tz=BERLIN, weekly=every_day(hours("09:00", "10:00")), duration_min=60
        )

        starts = checker.free_starts(utc(2026, 10, 22, 0), utc(2026, 10, 28, 0))

        assert starts == [
            utc(2026, 10, 22, 7),
            utc(2026, 10, 23, 7),
            utc(2026, 10, 24, 7),
            utc(2026, 10, 25, 8),  # the change day: already winter time at 09:00
            utc(2026, 10, 26, 8),
            utc(2026, 10, 27, 8),
        ]

    def test_morning_slots_are_one_hour_later_in_utc_after_fall_back(self) -> None:
        checker = make_checker(tz=BERLIN, weekly=every_day(hours("09:00", "12:00")))

        before = list(checker.grid_starts(date(2026, 10, 24)))
        after = list(checker.grid_starts(date(2026, 10, 26)))

        assert before == [utc(2026, 10, 24, h, m) for h in (7, 8, 9) for m in (0, 30)]
        assert after == [utc(2026, 10, 26, h, m) for h in (8, 9, 10) for m in (0, 30)]

    def test_repeated_wall_times_are_offered_once_at_their_first_occurrence(self) -> None:
        checker = make_checker(
            tz=BERLIN, weekly={}, overrides={date(2026, 10, 25): [hours("01:00", "04:00")]}
        )

        starts = list(checker.grid_starts(date(2026, 10, 25)))

        assert starts == [
            utc(2026, 10, 24, 23, 0),  # 01:00 CEST
            utc(2026, 10, 24, 23, 30),  # 01:30 CEST
            utc(2026, 10, 25, 0, 0),  # 02:00 CEST, first occurrence
            utc(2026, 10, 25, 0, 30),  # 02:30 CEST, first occurrence
            utc(2026, 10, 25, 2, 0),  # 03:00 CET
            utc(2026, 10, 25, 2, 30),  # 03:30 CET, ends at closing 04:00 CET = 03:00 UTC
        ]
        assert checker.free_starts(utc(2026, 10, 24, 0), utc(2026, 10, 26, 0)) == starts

    def test_second_occurrence_of_a_repeated_wall_time_is_not_a_start(self) -> None:
        checker = make_checker(
            tz=BERLIN, weekly={}, overrides={date(2026, 10, 25): [hours("01:00", "04:00")]}
        )

        assert checker.unavailability(utc(2026, 10, 25, 1, 0)) is Unavailability.CLOSED  # 02:00 CET
        assert (
            checker.unavailability(utc(2026, 10, 25, 1, 30)) is Unavailability.CLOSED
        )  # 02:30 CET
        assert checker.unavailability(utc(2026, 10, 25, 0, 0)) is None  # 02:00 CEST

    def test_night_slot_that_fits_in_real_elapsed_time_across_the_overlap_is_offered(
        self,
    ) -> None:
        # 01:00-03:00 local on the change day is three real hours (23:00-02:00 UTC).
        checker = make_checker(
            tz=BERLIN,
            weekly={},
            overrides={date(2026, 10, 25): [hours("01:00", "03:00")]},
            duration_min=90,
        )

        assert list(checker.grid_starts(date(2026, 10, 25))) == [
            utc(2026, 10, 24, 23, 0),  # 01:00 CEST, ends 01:30 UTC
            utc(2026, 10, 24, 23, 30),  # 01:30 CEST, ends 01:00 UTC
            utc(2026, 10, 25, 0, 0),  # 02:00 CEST, ends 01:30 UTC = 02:30 CET
            utc(2026, 10, 25, 0, 30),  # 02:30 CEST, ends 02:00 UTC = 03:00 CET closing
        ]


# --- DST in America/New_York ---------------------------------------------------------------------


class TestNewYorkSpringForward:
    """Clocks go from 02:00 EST (UTC-5) to 03:00 EDT (UTC-4) on Sunday 2026-03-08."""

    def test_nine_oclock_opening_is_nine_local_on_every_day_of_the_spring_week(self) -> None:
        checker = make_checker(
            tz=NEW_YORK, weekly=every_day(hours("09:00", "10:00")), duration_min=60
        )

        starts = checker.free_starts(utc(2026, 3, 6, 0), utc(2026, 3, 11, 0))

        assert starts == [
            utc(2026, 3, 6, 14),
            utc(2026, 3, 7, 14),
            utc(2026, 3, 8, 13),
            utc(2026, 3, 9, 13),
            utc(2026, 3, 10, 13),
        ]

    def test_nonexistent_wall_times_in_the_spring_gap_are_never_offered(self) -> None:
        checker = make_checker(
            tz=NEW_YORK, weekly={}, overrides={date(2026, 3, 8): [hours("01:00", "04:00")]}
        )

        assert list(checker.grid_starts(date(2026, 3, 8))) == [
            utc(2026, 3, 8, 6, 0),  # 01:00 EST
            utc(2026, 3, 8, 6, 30),  # 01:30 EST
            utc(2026, 3, 8, 7, 0),  # 03:00 EDT
            utc(2026, 3, 8, 7, 30),  # 03:30 EDT, ends at closing 04:00 EDT
        ]


class TestNewYorkFallBack:
    """Clocks go from 02:00 EDT (UTC-4) back to 01:00 EST (UTC-5) on Sunday 2026-11-01."""

    def test_nine_oclock_opening_is_nine_local_on_every_day_of_the_autumn_week(self) -> None:
        checker = make_checker(
            tz=NEW_YORK, weekly=every_day(hours("09:00", "10:00")), duration_min=60
        )

        starts = checker.free_starts(utc(2026, 10, 30, 0), utc(2026, 11, 4, 0))

        assert starts == [
            utc(2026, 10, 30, 13),
            utc(2026, 10, 31, 13),
            utc(2026, 11, 1, 14),
            utc(2026, 11, 2, 14),
            utc(2026, 11, 3, 14),
        ]

    def test_repeated_wall_times_are_offered_once_at_their_first_occurrence(self) -> None:
        checker = make_checker(
            tz=NEW_YORK, weekly={}, overrides={date(2026, 11, 1): [hours("00:00", "03:00")]}
        )

        assert list(checker.grid_starts(date(2026, 11, 1))) == [
            utc(2026, 11, 1, 4, 0),  # 00:00 EDT
            utc(2026, 11, 1, 4, 30),  # 00:30 EDT
            utc(2026, 11, 1, 5, 0),  # 01:00 EDT, first occurrence
            utc(2026, 11, 1, 5, 30),  # 01:30 EDT, first occurrence
            utc(2026, 11, 1, 7, 0),  # 02:00 EST
            utc(2026, 11, 1, 7, 30),  # 02:30 EST, ends at closing 03:00 EST
        ]
        assert checker.unavailability(utc(2026, 11, 1, 6, 0)) is Unavailability.CLOSED  # 01:00 EST


# --- Opening hours, overrides and the slot grid --------------------------------------------------


class TestOpeningHours:
    def test_lunch_break_splits_the_day_into_two_ranges(self) -> None:
        checker = make_checker(weekly=every_day(hours("09:00", "11:00"), hours("13:00", "14:30")))

        assert list(checker.grid_starts(MONDAY)) == [
            jan(12, 9, 0),
            jan(12, 9, 30),
            jan(12, 10, 0),
            jan(12, 10, 30),
            jan(12, 13, 0),
            jan(12, 13, 30),
            jan(12, 14, 0),
        ]
        assert checker.unavailability(jan(12, 11, 30)) is Unavailability.CLOSED

    def test_slot_is_offered_only_if_it_ends_by_closing(self) -> None:
        checker = make_checker(
            weekly=every_day(hours("09:00", "10:30")), duration_min=45, step_min=15
        )

        assert list(checker.grid_starts(MONDAY)) == [
            jan(12, 9, 0),
            jan(12, 9, 15),
            jan(12, 9, 30),
            jan(12, 9, 45),  # ends exactly at 10:30
        ]
        assert checker.unavailability(jan(12, 10, 0)) is Unavailability.CLOSED

    def test_twenty_minute_step_counts_from_the_opening_time(self) -> None:
        checker = make_checker(
            weekly=every_day(hours("09:10", "10:30")), duration_min=20, step_min=20
        )

        assert list(checker.grid_starts(MONDAY)) == [
            jan(12, 9, 10),
            jan(12, 9, 30),
            jan(12, 9, 50),
            jan(12, 10, 10),
        ]
        assert checker.unavailability(jan(12, 9, 0)) is Unavailability.CLOSED

    def test_duration_longer_than_step_gives_overlapping_candidates(self) -> None:
        checker = make_checker(
            weekly=every_day(hours("09:00", "11:00")), duration_min=45, step_min=20
        )

        assert list(checker.grid_starts(MONDAY)) == [
            jan(12, 9, 0),
            jan(12, 9, 20),
            jan(12, 9, 40),
            jan(12, 10, 0),  # ends 10:45; 10:20 would end 11:05
        ]

    def test_range_shorter_than_the_duration_offers_nothing(self) -> None:
        checker = make_checker(weekly=every_day(hours("09:00", "09:45")), duration_min=60)

        assert list(checker.grid_starts(MONDAY)) == []
        assert checker.unavailability(jan(12, 9)) is Unavailability.CLOSED

    def test_weekday_without_hours_is_closed(self) -> None:
        weekdays_only = {weekday: [hours("09:00", "10:00")] for weekday in range(5)}
        checker = make_checker(weekly=weekdays_only, duration_min=60)

        assert checker.free_starts(jan(9, 0), jan(13, 0)) == [jan(9, 9), jan(12, 9)]  # Fri, Mon
        assert checker.unavailability(jan(10, 9)) is Unavailability.CLOSED  # Saturday


class TestDateOverrides:
    def test_replacement_hours_replace_the_weekly_hours_on_that_date_only(self) -> None:
        checker = make_checker(
            weekly=every_day(hours("09:00", "10:00")),
            overrides={TUESDAY: [hours("14:00", "15:00")]},
        )

        assert checker.free_starts(jan(12, 0), jan(15, 0)) == [
            jan(12, 9, 0),
            jan(12, 9, 30),
            jan(13, 14, 0),
            jan(13, 14, 30),
            jan(14, 9, 0),
            jan(14, 9, 30),
        ]
        assert checker.unavailability(jan(13, 9, 0)) is Unavailability.CLOSED

    def test_override_without_hours_closes_the_day(self) -> None:
        checker = make_checker(weekly=every_day(hours("09:00", "10:00")), overrides={TUESDAY: []})

        assert list(checker.grid_starts(TUESDAY)) == []
        assert checker.free_starts(jan(12, 0), jan(15, 0)) == [
            jan(12, 9, 0),
            jan(12, 9, 30),
            jan(14, 9, 0),
            jan(14, 9, 30),
        ]
        assert checker.unavailability(jan(13, 9, 0)) is Unavailability.CLOSED

    def test_override_can_open_a_day_without_weekly_hours(self) -> None:
        saturday = date(2026, 1, 17)
        checker = make_checker(weekly={}, overrides={saturday: [hours("10:00", "11:00")]})

        assert list(checker.grid_starts(saturday)) == [jan(17, 10, 0), jan(17, 10, 30)]
        assert list(checker.grid_starts(date(2026, 1, 24))) == []


# --- Busy intervals and buffers ------------------------------------------------------------------


class TestBusyIntervalsAndBuffers:
    """`busy` already includes each booking's buffer; a candidate adds its own after its end."""

    def test_busy_interval_with_its_buffer_blocks_the_half_past_start_but_not_ten(self) -> None:
        # A 09:00 booking of 30 minutes plus a 10-minute buffer.
        checker = morning_checker(busy=[(jan(12, 9, 0), jan(12, 9, 40))], buffer_min=10)

        assert checker.unavailability(jan(12, 9, 0)) is Unavailability.TAKEN
        assert checker.unavailability(jan(12, 9, 30)) is Unavailability.TAKEN
        assert checker.unavailability(jan(12, 10, 0)) is None
        assert checker.free_starts(jan(12, 0), jan(13, 0)) == [
            jan(12, 10, 0),
            jan(12, 10, 30),
            jan(12, 11, 0),
            jan(12, 11, 30),
        ]

    def test_candidate_whose_own_buffer_runs_into_the_next_busy_interval_is_refused(self) -> None:
        checker = morning_checker(busy=[(jan(12, 10, 30), jan(12, 11, 10))], buffer_min=10)

        # 10:00-10:30 is free, but its buffer to 10:40 overlaps the 10:30 booking.
        assert checker.unavailability(jan(12, 10, 0)) is Unavailability.TAKEN
        assert checker.unavailability(jan(12, 9, 30)) is None  # buffer ends 10:10
        assert checker.free_starts(jan(12, 0), jan(13, 0)) == [
            jan(12, 9, 0),
            jan(12, 9, 30),
            jan(12, 11, 30),
        ]

    def test_candidate_buffer_may_end_exactly_when_the_next_busy_interval_starts(self) -> None:
        checker = morning_checker(busy=[(jan(12, 10, 40), jan(12, 11, 20))], buffer_min=10)

        assert checker.unavailability(jan(12, 10, 0)) is None  # 10:00-10:30, buffer to 10:40

    def test_candidate_may_start_exactly_when_a_busy_interval_ends(self) -> None:
        checker = morning_checker(busy=[(jan(12, 9, 0), jan(12, 9, 30))], buffer_min=10)

        assert checker.unavailability(jan(12, 9, 30)) is None

    def test_overlapping_and_touching_busy_intervals_block_their_whole_union(self) -> None:
        checker = morning_checker(
            busy=[
                (jan(12, 9, 50), jan(12, 10, 40)),
                (jan(12, 9, 10), jan(12, 9, 50)),  # touches the one above
                (jan(12, 10, 0), jan(12, 10, 20)),  # inside the one above
            ]
        )

        assert checker.free_starts(jan(12, 0), jan(13, 0)) == [
            jan(12, 11, 0),
            jan(12, 11, 30),
        ]

    def test_buffer_does_not_need_to_fit_before_closing(self) -> None:
        checker = morning_checker(buffer_min=10)

        assert checker.unavailability(jan(12, 11, 30)) is None  # ends 12:00, buffer to 12:10


# --- Policies and reasons ------------------------------------------------------------------------


class TestMinimumNotice:
    def test_start_before_the_earliest_instant_is_too_soon(self) -> None:
        checker = morning_checker(window=BookingWindow(earliest=jan(12, 10, 0), last_day=WEDNESDAY))

        assert checker.unavailability(jan(12, 9, 30)) is Unavailability.TOO_SOON
        assert checker.unavailability(jan(12, 10, 0)) is None  # earliest itself is bookable

    def test_earliest_between_grid_starts_rounds_up_to_the_next_start(self) -> None:
        # now 09:05 plus one hour of notice
        checker = morning_checker(window=BookingWindow(earliest=jan(12, 10, 5), last_day=WEDNESDAY))

        assert checker.unavailability(jan(12, 10, 0)) is Unavailability.TOO_SOON
        assert checker.free_starts(jan(12, 0), jan(13, 0)) == [
            jan(12, 10, 30),
            jan(12, 11, 0),
            jan(12, 11, 30),
        ]


class TestMaximumAdvance:
    def test_last_day_is_inclusive_and_the_day_after_is_too_far(self) -> None:
        checker = morning_checker(window=BookingWindow(earliest=jan(12, 0), last_day=TUESDAY))

        assert checker.unavailability(jan(13, 11, 30)) is None
        assert checker.unavailability(jan(14, 9, 0)) is Unavailability.TOO_FAR
        starts = checker.free_starts(jan(12, 0), jan(20, 0))
        assert starts[-1] == jan(13, 11, 30)
        assert len(starts) == 12

    def test_last_day_is_the_providers_local_day_not_the_utc_day(self) -> None:
        # 22:00-23:00 New York time (EST) is 03:00-04:00 UTC on the next UTC day.
        checker = make_checker(
            tz=NEW_YORK,
            weekly=every_day(hours("22:00", "23:00")),
            duration_min=60,
            window=BookingWindow(earliest=jan(1, 0), last_day=TUESDAY),
        )

        assert checker.unavailability(jan(14, 3, 0)) is None  # Tue 22:00 EST
        assert checker.unavailability(jan(15, 3, 0)) is Unavailability.TOO_FAR  # Wed 22:00 EST
        assert checker.free_starts(jan(13, 0), jan(20, 0)) == [jan(13, 3, 0), jan(14, 3, 0)]


class TestTimeOff:
    def test_start_overlapping_time_off_is_refused(self) -> None:
        checker = morning_checker(time_off=[(jan(12, 10, 0), jan(12, 11, 0))])

        assert checker.unavailability(jan(12, 10, 0)) is Unavailability.TIME_OFF
        assert checker.unavailability(jan(12, 10, 30)) is Unavailability.TIME_OFF

    def test_booking_may_end_exactly_when_time_off_starts_and_start_when_it_ends(self) -> None:
        checker = morning_checker(time_off=[(jan(12, 10, 0), jan(12, 11, 0))])

        assert checker.unavailability(jan(12, 9, 30)) is None
        assert checker.unavailability(jan(12, 11, 0)) is None
        assert checker.free_starts(jan(12, 0), jan(13, 0)) == [
            jan(12, 9, 0),
            jan(12, 9, 30),
            jan(12, 11, 0),
            jan(12, 11, 30),
        ]

    def test_buffer_separates_bookings_only_so_it_may_run_into_time_off(self) -> None:
        checker = morning_checker(time_off=[(jan(12, 10, 0), jan(12, 11, 0))], buffer_min=10)

        assert checker.unavailability(jan(12, 9, 30)) is None  # ends 10:00, buffer to 10:10

    def test_time_off_starting_mid_appointment_blocks_the_start(self) -> None:
        checker = make_checker(
            weekly=every_day(hours("09:00", "12:00")),
            duration_min=60,
            time_off=[(jan(12, 10, 15), jan(12, 10, 20))],
        )

        assert checker.unavailability(jan(12, 9, 30)) is Unavailability.TIME_OFF
        assert checker.unavailability(jan(12, 10, 0)) is Unavailability.TIME_OFF
        assert checker.free_starts(jan(12, 0), jan(13, 0)) == [
            jan(12, 9, 0),
            jan(12, 10, 30),
            jan(12, 11, 0),
        ]

    def test_time_off_spanning_days_blocks_every_start_inside(self) -> None:
        checker = morning_checker(time_off=[(jan(12, 11, 0), jan(14, 9, 30))])

        assert checker.free_starts(jan(12, 0), jan(15, 0)) == [
            jan(12, 9, 0),
            jan(12, 9, 30),
            jan(12, 10, 0),
            jan(12, 10, 30),
            jan(14, 9, 30),
            jan(14, 10, 0),
            jan(14, 10, 30),
            jan(14, 11, 0),
            jan(14, 11, 30),
        ]


class TestClosedStarts:
    def test_start_off_the_step_grid_is_closed(self) -> None:
        checker = morning_checker()

        assert checker.unavailability(jan(12, 9, 10)) is Unavailability.CLOSED
        assert checker.unavailability(jan(12, 9, 30)) is None

    def test_start_outside_opening_hours_is_closed(self) -> None:
        checker = morning_checker()

        assert checker.unavailability(jan(12, 8, 30)) is Unavailability.CLOSED
        assert checker.unavailability(jan(12, 12, 0)) is Unavailability.CLOSED  # would end 12:30

    def test_start_with_seconds_off_the_grid_is_closed(self) -> None:
        checker = morning_checker()

        assert (
            checker.unavailability(jan(12, 9, 30) + timedelta(seconds=1)) is Unavailability.CLOSED
        )

    def test_closed_outranks_policy_reasons(self) -> None:
        checker = morning_checker(
            window=BookingWindow(earliest=jan(12, 11, 0), last_day=TUESDAY),
        )

        assert checker.unavailability(jan(12, 9, 10)) is Unavailability.CLOSED  # also too soon
        assert checker.unavailability(jan(14, 8, 0)) is Unavailability.CLOSED  # also too far


# --- free_starts ---------------------------------------------------------------------------------


class TestFreeStartsRange:
    def test_start_bound_is_inclusive_and_end_bound_exclusive(self) -> None:
        checker = morning_checker()

        assert checker.free_starts(jan(12, 9, 30), jan(12, 11, 0)) == [
            jan(12, 9, 30),
            jan(12, 10, 0),
            jan(12, 10, 30),
        ]

    def test_bounds_between_grid_starts_keep_only_starts_inside(self) -> None:
        checker = morning_checker()

        assert checker.free_starts(jan(12, 9, 1), jan(12, 10, 1)) == [
            jan(12, 9, 30),
            jan(12, 10, 0),
        ]

    def test_empty_or_reversed_range_gives_nothing(self) -> None:
        checker = morning_checker()

        assert checker.free_starts(jan(12, 10), jan(12, 10)) == []
        assert checker.free_starts(jan(13, 0), jan(12, 0)) == []

    def test_utc_range_covers_the_parts_of_local_days_it_overlaps(self) -> None:
        # 18:00-20:00 New York (EST) is 23:00-01:00 UTC; a UTC day sees the end of one local
        # evening and the start of the next.
        checker = make_checker(tz=NEW_YORK, weekly=every_day(hours("18:00", "20:00")))

        assert checker.free_starts(jan(13, 0), jan(14, 0)) == [
            jan(13, 0, 0),  # Mon 19:00 EST
            jan(13, 0, 30),  # Mon 19:30 EST
            jan(13, 23, 0),  # Tue 18:00 EST
            jan(13, 23, 30),  # Tue 18:30 EST
        ]

    def test_results_are_sorted_even_when_ranges_are_declared_out_of_order(self) -> None:
        checker = make_checker(weekly=every_day(hours("13:00", "14:00"), hours("09:00", "10:00")))

        assert checker.free_starts(jan(12, 0), jan(14, 0)) == [
            jan(12, 9, 0),
            jan(12, 9, 30),
            jan(12, 13, 0),
            jan(12, 13, 30),
            jan(13, 9, 0),
            jan(13, 9, 30),
            jan(13, 13, 0),
            jan(13, 13, 30),
        ]


def berlin_spring_week() -> tuple[AvailabilityChecker, datetime, datetime]:
    """A busy provider over the Berlin spring-forward week, exercising every reason."""
    weekdays = (hours("08:00", "12:00"), hours("13:00", "17:30"))
    weekly: dict[int, Sequence[OpeningRange]] = dict.fromkeys(range(5), weekdays)
    weekly[5] = (hours("09:00", "12:00"),)
    weekly[6] = (hours("01:00", "04:00"),)  # spans the gap on Sunday 29 March
    checker = make_checker(
        tz=BERLIN,
        weekly=weekly,
        duration_min=45,
        step_min=20,
        buffer_min=10,
        overrides={date(2026, 3, 26): [], date(2026, 3, 27): [hours("10:00", "11:00")]},
        time_off=[(utc(2026, 3, 25, 10), utc(2026, 3, 25, 12, 30))],
        busy=[
            (utc(2026, 3, 23, 13), utc(2026, 3, 23, 13, 55)),
            (utc(2026, 3, 24, 8, 20), utc(2026, 3, 24, 9, 15)),
            (utc(2026, 3, 29, 1), utc(2026, 3, 29, 1, 30)),
        ],
        window=BookingWindow(earliest=utc(2026, 3, 23, 10, 7), last_day=date(2026, 3, 30)),
    )
    return checker, utc(2026, 3, 22, 0), utc(2026, 4, 1, 0)


def new_york_autumn_week() -> tuple[AvailabilityChecker, datetime, datetime]:
    """A busy provider over the New York fall-back week, exercising every reason."""
    weekdays = (hours("09:00", "12:00"), hours("12:30", "16:00"))
    weekly: dict[int, Sequence[OpeningRange]] = dict.fromkeys(range(5), weekdays)
    weekly[6] = (hours("00:00", "03:00"),)  # spans the overlap on Sunday 1 November
    checker = make_checker(
        tz=NEW_YORK,
        weekly=weekly,
        duration_min=30,
        step_min=15,
        buffer_min=5,
        overrides={date(2026, 10, 30): [], date(2026, 10, 28): [hours("15:00", "19:00")]},
        time_off=[(utc(2026, 10, 29, 17), utc(2026, 10, 29, 18, 10))],
        busy=[
            (utc(2026, 10, 27, 14, 15), utc(2026, 10, 27, 14, 50)),
            (utc(2026, 11, 1, 5, 0), utc(2026, 11, 1, 5, 35)),
            (utc(2026, 11, 2, 15, 0), utc(2026, 11, 2, 16, 0)),
        ],
        window=BookingWindow(earliest=utc(2026, 10, 26, 15, 2), last_day=date(2026, 11, 2)),
    )
    return checker, utc(2026, 10, 25, 0), utc(2026, 11, 5, 0)


@pytest.mark.parametrize("scenario", [berlin_spring_week, new_york_autumn_week])
class TestFreeStartsAgreesWithUnavailability:
    """Offering and confirming go through the same rules: what is offered can be committed."""

    def test_every_offered_start_is_available(
        self, scenario: Callable[[], tuple[AvailabilityChecker, datetime, datetime]]
    ) -> None:
        checker, start, end = scenario()

        offered = checker.free_starts(start, end)

        assert offered
        assert [s for s in offered if checker.unavailability(s) is not None] == []

    def test_every_grid_start_not_offered_has_a_reason(
        self, scenario: Callable[[], tuple[AvailabilityChecker, datetime, datetime]]
    ) -> None:
        checker, start, end = scenario()
        tz = checker.calendar.timezone
        offered = set(checker.free_starts(start, end))

        reasons: set[Unavailability] = set()
        day = start.astimezone(tz).date()
        while day <= (end - timedelta(microseconds=1)).astimezone(tz).date():
            for candidate in checker.grid_starts(day):
                if not start <= candidate < end or candidate in offered:
                    continue
                reason = checker.unavailability(candidate)
                assert reason is not None, candidate
                reasons.add(reason)
            day += timedelta(days=1)

        assert reasons == {
            Unavailability.TOO_SOON,
            Unavailability.TOO_FAR,
            Unavailability.TIME_OFF,
            Unavailability.TAKEN,
        }

    def test_any_instant_is_available_exactly_when_it_is_offered(
        self, scenario: Callable[[], tuple[AvailabilityChecker, datetime, datetime]]
    ) -> None:
        checker, start, end = scenario()
        offered = set(checker.free_starts(start, end))

        available: set[datetime] = set()
        instant = start
        while instant < end:
            if checker.unavailability(instant) is None:
                available.add(instant)
            instant += timedelta(minutes=5)

        assert available == offered

    def test_offered_starts_are_sorted_unique_and_inside_the_range(
        self, scenario: Callable[[], tuple[AvailabilityChecker, datetime, datetime]]
    ) -> None:
        checker, start, end = scenario()

        offered = checker.free_starts(start, end)

        assert offered == sorted(set(offered))
        assert all(start <= s < end for s in offered)
