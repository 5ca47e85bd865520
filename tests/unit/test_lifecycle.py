"""The booking lifecycle on the sample world: hold, confirm, cancel, reschedule, attendance."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import col, select

from domain.booking.changes import cancel_booking, reschedule_booking
from domain.booking.confirmation import confirm_booking
from domain.booking.drafts import booking_summary
from domain.booking.holds import hold_slot, release_hold
from domain.booking.outcomes import mark_attendance
from domain.booking.reading import get_booking, list_client_bookings
from domain.kernel.actors import Actor, client_actor
from domain.kernel.clock import FrozenClock
from domain.kernel.errors import (
    Forbidden,
    InvalidInput,
    InvalidTransition,
    NotFound,
    PolicyViolation,
    SlotUnavailable,
)
from domain.kernel.uow import UnitOfWork
from domain.models import AuditEvent, Booking, BookingStatus, OutboxMessage
from domain.scheduling.slots import free_starts
from domain.world.schema import WorldIn

BERLIN = ZoneInfo("Europe/Berlin")
ANA = client_actor("ana", "web")
TOM = client_actor("tom", "web")
STAFF = Actor(kind="staff", id="admin", channel="api")

pytestmark = pytest.mark.usefixtures("sample_world")


def berlin(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=BERLIN)


def weber_starts(uow: UnitOfWork, day: str) -> list[str]:
    start = berlin(f"{day}T00:00")
    found = free_starts(
        uow=uow,
        provider_id="dr-weber",
        service_id="derm-consult",
        start=start,
        end=start + timedelta(days=1),
    )
    return [s.astimezone(BERLIN).strftime("%H:%M") for s in found]


def hold_derm(uow: UnitOfWork, actor: Actor, start: str, key: str | None = None) -> Booking:
    assert actor.id is not None
    return hold_slot(
        uow=uow,
        actor=actor,
        client_id=actor.id,
        provider_id="dr-weber",
        service_id="derm-consult",
        start=berlin(start),
        idempotency_key=key or f"{actor.id}-{start}",
    )


def status_of(uow: UnitOfWork, booking_id: str) -> str:
    return get_booking(uow=uow, actor=STAFF, booking_id=booking_id).status


class TestHolds:
    def test_held_slot_and_its_buffer_are_not_offered_to_anyone(self, uow: UnitOfWork) -> None:
        hold_derm(uow, ANA, "2026-03-03T14:30")
        afternoon = [t for t in weber_starts(uow, "2026-03-03") if t >= "13:00"]
        assert afternoon == ["13:00", "13:30", "15:30", "16:00", "16:30"]

    def test_expired_hold_frees_its_slot_without_clean_up(
        self, uow: UnitOfWork, clock: FrozenClock
    ) -> None:
        hold_derm(uow, ANA, "2026-03-03T14:30")
        clock.advance(timedelta(minutes=10, seconds=1))
        assert "14:30" in weber_starts(uow, "2026-03-03")
        taken_by_tom = hold_derm(uow, TOM, "2026-03-03T14:30")
        assert taken_by_tom.status == BookingStatus.HOLD

    def test_second_hold_on_a_live_hold_is_refused_as_taken(self, uow: UnitOfWork) -> None:
        hold_derm(uow, ANA, "2026-03-03T14:30")
        with pytest.raises(SlotUnavailable) as refused:
            hold_derm(uow, TOM, "2026-03-03T14:00")
        assert refused.value.reason == "taken"
        assert "already taken" in refused.value.message

    def test_released_hold_frees_its_slot(self, uow: UnitOfWork) -> None:
        hold = hold_derm(uow, ANA, "2026-03-03T14:30")
        release_hold(uow=uow, actor=ANA, booking_id=hold.id)
        assert "14:30" in weber_starts(uow, "2026-03-03")
        assert release_hold(uow=uow, actor=ANA, booking_id=hold.id).status == "released"

    @pytest.mark.parametrize(
        ("start", "reason", "words"),
        [
            ("2026-03-02T10:00", "too_soon", "earliest possible start is today, 11:00"),
            ("2026-05-04T09:00", "too_far", "at most 60 days ahead, up to Fri 1 May 2026"),
            ("2026-03-03T14:15", "closed", "has no Dermatology consultation starting tomorrow"),
            ("2026-03-03T12:00", "closed", "starting tomorrow, 12:00"),
            ("2026-03-05T10:00", "time_off", "Dr. Anna Weber is away on Thu 5 Mar, 10:00"),
        ],
    )
    def test_refusals_say_why(self, uow: UnitOfWork, start: str, reason: str, words: str) -> None:
        with pytest.raises(SlotUnavailable) as refused:
            hold_derm(uow, ANA, start)
        assert refused.value.reason == reason
        assert words in refused.value.message

    def test_provider_must_offer_the_service(self, uow: UnitOfWork) -> None:
        with pytest.raises(InvalidInput, match="does not offer"):
            hold_slot(
                uow=uow,
                actor=ANA,
                client_id="ana",
                provider_id="dr-keller",
                service_id="derm-consult",
                start=berlin("2026-03-03T09:00"),
                idempotency_key="k",
            )

    def test_client_cannot_hold_for_someone_else(self, uow: UnitOfWork) -> None:
        with pytest.raises(NotFound):
            hold_slot(
                uow=uow,
                actor=TOM,
                client_id="ana",
                provider_id="dr-weber",
                service_id="derm-consult",
                start=berlin("2026-03-03T09:00"),
                idempotency_key="k",
            )


class TestConfirm:
    def test_confirm_turns_a_hold_into_a_booking(self, uow: UnitOfWork) -> None:
        hold = hold_derm(uow, ANA, "2026-03-03T14:30")
        booking = confirm_booking(uow=uow, actor=ANA, booking_id=hold.id)
        assert booking.status == BookingStatus.CONFIRMED
        assert booking.hold_expires_at is None
        assert booking.price == "80.00"

    def test_confirm_after_expiry_succeeds_while_the_slot_is_still_free(
        self, uow: UnitOfWork, clock: FrozenClock
    ) -> None:
        hold = hold_derm(uow, ANA, "2026-03-03T14:30")
        clock.advance(timedelta(minutes=30))
        assert confirm_booking(uow=uow, actor=ANA, booking_id=hold.id).status == "confirmed"

    def test_confirm_after_expiry_is_refused_once_someone_else_took_it(
        self, uow: UnitOfWork, clock: FrozenClock
    ) -> None:
        hold = hold_derm(uow, ANA, "2026-03-03T14:30")
        clock.advance(timedelta(minutes=11))
        hold_derm(uow, TOM, "2026-03-03T14:30")
        with pytest.raises(SlotUnavailable) as refused:
            confirm_booking(uow=uow, actor=ANA, booking_id=hold.id)
        assert refused.value.reason == "taken"
        assert status_of(uow, hold.id) == "expired"

    def test_confirming_twice_books_once_and_notifies_once(self, uow: UnitOfWork) -> None:
        hold = hold_derm(uow, ANA, "2026-03-03T14:30")
        confirm_booking(uow=uow, actor=ANA, booking_id=hold.id)
        confirm_booking(uow=uow, actor=ANA, booking_id=hold.id)
        with uow.reading() as reader:
            messages = reader.session.exec(
                select(OutboxMessage).where(col(OutboxMessage.subject_id) == hold.id)
            ).all()
        assert [m.event for m in messages] == ["booking.confirmed"]

    def test_cancelled_booking_cannot_be_confirmed(self, uow: UnitOfWork) -> None:
        booking = confirm_booking(
            uow=uow, actor=ANA, booking_id=hold_derm(uow, ANA, "2026-03-03T14:30").id
        )
        cancel_booking(uow=uow, actor=ANA, booking_id=booking.id)
        with pytest.raises(InvalidTransition, match="cancelled and cannot be confirmed"):
            confirm_booking(uow=uow, actor=ANA, booking_id=booking.id)


class TestCancel:
    def test_client_cancels_ahead_of_the_notice(self, uow: UnitOfWork) -> None:
        cancelled = cancel_booking(uow=uow, actor=ANA, booking_id="b-ana-gp", reason="ill")
        assert cancelled.status == BookingStatus.CANCELLED
        assert list_client_bookings(uow=uow, actor=ANA, client_id="ana") == []

    def test_client_inside_the_notice_is_told_until_when_it_was_allowed(
        self, uow: UnitOfWork, clock: FrozenClock
    ) -> None:
        clock.at = berlin("2026-03-03T09:00")
        with pytest.raises(PolicyViolation) as refused:
            cancel_booking(uow=uow, actor=ANA, booking_id="b-ana-gp")
        assert refused.value.allowed_until == berlin("2026-03-03T08:40")
        assert "until today, 08:40" in refused.value.message  # the clock is on Tue 3 Mar
        assert "can no longer be changed online" in refused.value.message
        assert "call the practice on +49 30 2345 6780" in refused.value.message
        assert status_of(uow, "b-ana-gp") == "confirmed"

    def test_staff_may_cancel_inside_the_notice(self, uow: UnitOfWork, clock: FrozenClock) -> None:
        clock.at = berlin("2026-03-04T07:00")
        assert cancel_booking(uow=uow, actor=STAFF, booking_id="b-ana-gp").status == "cancelled"

    def test_another_clients_booking_is_not_found_and_stays(self, uow: UnitOfWork) -> None:
        with pytest.raises(NotFound, match="No booking with that reference"):
            cancel_booking(uow=uow, actor=TOM, booking_id="b-ana-gp")
        with pytest.raises(NotFound):
            get_booking(uow=uow, actor=TOM, booking_id="b-ana-gp")
        assert status_of(uow, "b-ana-gp") == "confirmed"


class TestSameDayBookings:
    """Booked inside the notice: the summary says so first, a refusal says whom to ask."""

    def test_a_summary_for_later_today_says_it_cannot_be_changed_online(
        self, uow: UnitOfWork
    ) -> None:
        hold = hold_derm(uow, ANA, "2026-03-02T14:30")
        summary = booking_summary(uow=uow, actor=ANA, booking_id=hold.id)
        assert summary.changeable_online_until == "Sun 1 Mar, 14:30"  # yesterday, this year
        assert summary.change_note is not None
        assert "once booked it can no longer be changed online" in summary.change_note
        assert "+49 30 2345 6780" in summary.change_note
        assert "desk@lindenhof.example" in summary.change_note

    def test_a_summary_well_ahead_carries_no_note(self, uow: UnitOfWork) -> None:
        hold = hold_derm(uow, ANA, "2026-03-03T14:30")
        summary = booking_summary(uow=uow, actor=ANA, booking_id=hold.id)
        assert summary.changeable_online_until == "today, 14:30"
        assert summary.change_note is None

    @pytest.mark.parametrize("change", ["cancel", "move"])
    def test_a_change_later_is_refused_with_how_to_reach_the_practice(
        self, uow: UnitOfWork, clock: FrozenClock, change: str
    ) -> None:
        booking = confirm_booking(
            uow=uow, actor=ANA, booking_id=hold_derm(uow, ANA, "2026-03-02T14:30").id
        )
        clock.at = berlin("2026-03-02T10:00")

        def change_it() -> Booking:
            if change == "cancel":
                return cancel_booking(uow=uow, actor=ANA, booking_id=booking.id)
            return reschedule_booking(
                uow=uow, actor=ANA, booking_id=booking.id, new_start=berlin("2026-03-05T09:00")
            )

        with pytest.raises(PolicyViolation) as refused:
            change_it()
        message = refused.value.message
        assert message.startswith("This appointment can no longer be changed online")
        assert "booked less than 24 hours before it starts" in message
        assert f"To {change} it, call the practice on +49 30 2345 6780" in message
        assert "could have been" not in message  # no deadline that passed before the booking
        assert status_of(uow, booking.id) == "confirmed"
        confirmed = booking_summary(uow=uow, actor=ANA, booking_id=booking.id)
        assert confirmed.change_note is not None
        assert "booked less than 24 hours" in confirmed.change_note


class TestReschedule:
    def test_moves_the_booking_and_frees_the_old_slot(self, uow: UnitOfWork) -> None:
        moved = reschedule_booking(
            uow=uow, actor=ANA, booking_id="b-ana-gp", new_start=berlin("2026-03-05T09:00")
        )
        assert moved.starts_at == berlin("2026-03-05T09:00")
        assert moved.ends_at == berlin("2026-03-05T09:20")
        wednesday = free_starts(
            uow=uow,
            provider_id="dr-keller",
            service_id="gp-visit",
            start=berlin("2026-03-04T08:00"),
            end=berlin("2026-03-04T09:00"),
        )
        assert berlin("2026-03-04T08:40") in wednesday
        assert [b.starts_at for b in list_client_bookings(uow=uow, actor=ANA, client_id="ana")] == [
            berlin("2026-03-05T09:00")
        ]

    def test_repeating_a_move_changes_nothing(self, uow: UnitOfWork) -> None:
        first = reschedule_booking(
            uow=uow, actor=ANA, booking_id="b-ana-gp", new_start=berlin("2026-03-05T09:00")
        )
        again = reschedule_booking(
            uow=uow, actor=ANA, booking_id="b-ana-gp", new_start=berlin("2026-03-05T09:00")
        )
        assert again.version == first.version

    def test_move_to_a_taken_slot_leaves_the_booking_where_it_was(self, uow: UnitOfWork) -> None:
        hold_slot(
            uow=uow,
            actor=TOM,
            client_id="tom",
            provider_id="dr-keller",
            service_id="gp-visit",
            start=berlin("2026-03-05T09:00"),
            idempotency_key="t",
        )
        with pytest.raises(SlotUnavailable):
            reschedule_booking(
                uow=uow, actor=ANA, booking_id="b-ana-gp", new_start=berlin("2026-03-05T09:00")
            )
        booking = get_booking(uow=uow, actor=ANA, booking_id="b-ana-gp")
        assert booking.starts_at == berlin("2026-03-04T08:40")
        assert booking.version == 1

    def test_move_inside_the_notice_is_refused(self, uow: UnitOfWork, clock: FrozenClock) -> None:
        clock.at = berlin("2026-03-03T12:00")
        with pytest.raises(PolicyViolation, match="moved until today, 08:40"):
            reschedule_booking(
                uow=uow, actor=ANA, booking_id="b-ana-gp", new_start=berlin("2026-03-05T09:00")
            )


class TestAttendance:
    def test_only_after_the_start_and_only_by_staff(
        self, uow: UnitOfWork, clock: FrozenClock
    ) -> None:
        with pytest.raises(InvalidTransition, match="once it starts"):
            mark_attendance(uow=uow, actor=STAFF, booking_id="b-ana-gp", attended=True)
        clock.at = berlin("2026-03-04T09:05")
        with pytest.raises(Forbidden):
            mark_attendance(uow=uow, actor=ANA, booking_id="b-ana-gp", attended=True)
        done = mark_attendance(uow=uow, actor=STAFF, booking_id="b-ana-gp", attended=False)
        assert done.status == BookingStatus.NO_SHOW
        with pytest.raises(InvalidTransition):
            cancel_booking(uow=uow, actor=STAFF, booking_id="b-ana-gp")


class TestJournal:
    def test_every_change_is_audited_with_actor_and_channel(self, uow: UnitOfWork) -> None:
        hold = hold_derm(uow, ANA, "2026-03-03T14:30")
        confirm_booking(uow=uow, actor=ANA, booking_id=hold.id)
        cancel_booking(uow=uow, actor=ANA, booking_id=hold.id)
        with uow.reading() as reader:
            events = reader.session.exec(
                select(AuditEvent)
                .where(col(AuditEvent.subject_id) == hold.id)
                .order_by(col(AuditEvent.id))
            ).all()
        assert [(e.action, e.actor_id, e.channel) for e in events] == [
            ("booking.held", "ana", "web"),
            ("booking.confirmed", "ana", "web"),
            ("booking.cancelled", "ana", "web"),
        ]

    def test_a_refused_change_leaves_no_trace(self, uow: UnitOfWork, clock: FrozenClock) -> None:
        clock.at = berlin("2026-03-04T08:00")
        with pytest.raises(PolicyViolation):
            cancel_booking(uow=uow, actor=ANA, booking_id="b-ana-gp")
        with uow.reading() as reader:
            assert (
                reader.session.exec(
                    select(AuditEvent).where(col(AuditEvent.subject_id) == "b-ana-gp")
                ).all()
                == []
            )
            assert reader.session.exec(select(OutboxMessage)).all() == []


def test_listing_shows_only_the_clients_upcoming_confirmed_bookings(
    uow: UnitOfWork, sample_world: WorldIn
) -> None:
    hold_derm(uow, ANA, "2026-03-03T14:30")
    assert [b.id for b in list_client_bookings(uow=uow, actor=ANA, client_id="ana")] == ["b-ana-gp"]
    assert list_client_bookings(uow=uow, actor=TOM, client_id="tom") == []
    with pytest.raises(NotFound):
        list_client_bookings(uow=uow, actor=TOM, client_id="ana")


class TestReviewedEdges:
    def test_the_earliest_offered_slot_can_still_be_confirmed_a_minute_later(
        self, uow: UnitOfWork, clock: FrozenClock
    ) -> None:
        first = weber_starts(uow, "2026-03-02")[0]
        assert first == "11:00"  # now 09:00 plus 120 minutes' notice
        hold = hold_derm(uow, ANA, f"2026-03-02T{first}")
        clock.advance(timedelta(minutes=1))
        assert confirm_booking(uow=uow, actor=ANA, booking_id=hold.id).status == "confirmed"

    def test_an_expired_hold_is_judged_on_todays_terms(
        self, uow: UnitOfWork, clock: FrozenClock
    ) -> None:
        hold = hold_derm(uow, ANA, "2026-03-02T11:00")
        clock.advance(timedelta(minutes=15))
        with pytest.raises(SlotUnavailable) as refused:
            confirm_booking(uow=uow, actor=ANA, booking_id=hold.id)
        assert refused.value.reason == "too_soon"

    def test_expiring_a_hold_is_audited(self, uow: UnitOfWork, clock: FrozenClock) -> None:
        stale = hold_derm(uow, ANA, "2026-03-03T14:30")
        clock.advance(timedelta(minutes=11))
        hold_derm(uow, TOM, "2026-03-03T14:30")
        with uow.reading() as reader:
            actions = reader.session.exec(
                select(AuditEvent.action, AuditEvent.actor_kind)
                .where(col(AuditEvent.subject_id) == stale.id)
                .order_by(col(AuditEvent.id))
            ).all()
        assert actions == [("booking.held", "client"), ("booking.expired", "system")]

    def test_a_cancelled_booking_is_not_moved_even_to_where_it_was(self, uow: UnitOfWork) -> None:
        cancel_booking(uow=uow, actor=ANA, booking_id="b-ana-gp")
        with pytest.raises(InvalidTransition, match="cancelled and cannot be moved"):
            reschedule_booking(
                uow=uow, actor=ANA, booking_id="b-ana-gp", new_start=berlin("2026-03-04T08:40")
            )

    @pytest.mark.parametrize(
        ("start", "words"),
        [
            (datetime(2026, 3, 5, 9, 0), "needs its time zone"),
            (datetime(9999, 12, 30, 9, 0, tzinfo=BERLIN), "must lie between 1971 and 9000"),
        ],
    )
    def test_impossible_starts_are_refused_plainly(
        self, uow: UnitOfWork, start: datetime, words: str
    ) -> None:
        with pytest.raises(InvalidInput, match=words):
            reschedule_booking(uow=uow, actor=ANA, booking_id="b-ana-gp", new_start=start)
        with pytest.raises(InvalidInput, match=words):
            hold_slot(
                uow=uow,
                actor=ANA,
                client_id="ana",
                provider_id="dr-weber",
                service_id="derm-consult",
                start=start,
                idempotency_key="x",
            )
