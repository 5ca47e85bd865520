"""The delivery rules that need no database: backoff, which reminder is due, email text."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from channels.couriers import Outgoing
from channels.email_courier import EmailCourier, plain_text
from domain.models import Booking, BookingStatus
from domain.notifications.claims import LONGEST_WAIT, backoff
from domain.notifications.reminders import due_reminder

START = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
BOOKED = START - timedelta(days=3)


def booking(*, settled_at: datetime = BOOKED, status: str = BookingStatus.CONFIRMED) -> Booking:
    return Booking(
        id="b1",
        client_id="c1",
        provider_id="p1",
        service_id="s1",
        starts_at=START,
        ends_at=START + timedelta(minutes=30),
        blocked_until=START + timedelta(minutes=30),
        status=status,
        created_at=settled_at,
        updated_at=settled_at,
    )


class TestBackoff:
    def test_each_wait_is_about_twice_the_last_up_to_an_hour(self) -> None:
        highest = [backoff(n, random.Random(1)) for n in range(1, 12)]
        assert highest == sorted(highest)
        assert all(wait <= LONGEST_WAIT for wait in highest)
        assert highest[-1] >= LONGEST_WAIT / 2

    def test_jitter_spreads_retries_that_failed_together(self) -> None:
        jitter = random.Random(3)
        waits = {backoff(3, jitter) for _ in range(20)}
        assert len(waits) > 10
        assert all(timedelta(seconds=60) <= wait <= timedelta(seconds=120) for wait in waits)


class TestWhichReminderIsDue:
    @pytest.mark.parametrize(
        ("before_start", "due"),
        [
            (timedelta(hours=30), None),  # not yet
            (timedelta(hours=24), 24),
            (timedelta(hours=13), 24),  # 11 hours late: still "tomorrow"
            (timedelta(hours=11), None),  # more than half its lead late: stale
            (timedelta(hours=1), 1),
            (timedelta(minutes=31), 1),
            (timedelta(minutes=29), None),
            (timedelta(0), None),  # it has begun
        ],
    )
    def test_the_nearest_reminder_whose_moment_came_and_is_not_stale(
        self, before_start: timedelta, due: int | None
    ) -> None:
        assert due_reminder(booking(), (24, 1), START - before_start) == due

    def test_a_booking_made_after_a_reminders_moment_skips_it(self) -> None:
        made_late = booking(settled_at=START - timedelta(hours=2))
        assert due_reminder(made_late, (24, 1), START - timedelta(hours=2)) is None
        assert due_reminder(made_late, (24, 1), START - timedelta(minutes=50)) == 1

    def test_only_confirmed_bookings_are_reminded_of(self) -> None:
        cancelled = booking(status=BookingStatus.CANCELLED)
        assert due_reminder(cancelled, (24, 1), START - timedelta(hours=20)) is None


class TestEmailText:
    def test_paragraphs_and_list_items_become_lines(self) -> None:
        html = "<p>Dear Ana,</p>\n<ul>\n  <li>Skin &amp; hair</li>\n  <li>Berlin</li>\n</ul>"
        assert plain_text(html) == "Dear Ana,\n\n- Skin & hair\n- Berlin\n"

    def test_a_link_keeps_its_address(self) -> None:
        assert plain_text('<p>Open <a href="https://x.example/f">the form</a>.</p>') == (
            "Open the form (https://x.example/f).\n"
        )

    def test_the_message_id_is_the_notifications_own(self) -> None:
        courier = EmailCourier(host="localhost", port=25, sender="Desk <desk@clinic.example>")
        email = courier.compose(Outgoing(42, "ana@example.com", "Hi", "<p>Hello</p>"))
        assert email["Message-ID"] == "<notification-42@clinic.example>"
        assert email.get_content_type() == "multipart/alternative"
