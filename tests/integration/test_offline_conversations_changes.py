"""Conversations with the offline model: existing bookings, questions, asking for a person.

Ana has a confirmed GP visit with Dr. Keller on Wednesday 4 March at 08:40; cancelling or
moving it is allowed until 24 hours before, Tuesday 3 March at 08:40.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from domain.kernel.clock import FrozenClock
from domain.models import BookingStatus, Conversation, ConversationStatus
from tests.integration.test_offline_conversations import (
    Chat,
    StartChat,
    called,
    calls,
    offered,
    sample_index,
    start_chat,
    text,
)

__all__ = ["sample_index", "start_chat"]  # fixtures shared with the finding tests
ANAS_VISIT = "Wed 4 Mar 2026, 08:40"
ANAS_VISIT_SAID = "Wed 4 Mar, 08:40"  # as the chat says it on Monday 2 March
INSIDE_NOTICE = datetime.fromisoformat("2026-03-03T09:00:00+01:00")


def status_of(chat: Chat) -> str:
    with chat.uow().reading() as reader:
        return reader.session.get_one(Conversation, chat.conversation_id).status


class TestListing:
    def test_lists_the_clients_upcoming_bookings(self, start_chat: StartChat) -> None:
        turn = start_chat("ana").say("What appointments do I have?")
        assert called(turn) == ["list_bookings"]
        assert ANAS_VISIT_SAID in text(turn)
        assert "Dr. Jonas Keller" in text(turn)

    def test_a_new_booking_shows_up_in_the_list(self, start_chat: StartChat) -> None:
        chat = start_chat("ana")
        chat.say("Can I see Dr. Weber on Tuesday?")
        chat.say("13:00")
        chat.say("yes")
        turn = chat.say("Show me my bookings")
        assert "tomorrow, 13:00" in text(turn)
        assert ANAS_VISIT_SAID in text(turn)

    def test_a_client_without_bookings_hears_so(self, start_chat: StartChat) -> None:
        turn = start_chat("tom").say("Do I have any appointments?")
        assert called(turn) == ["list_bookings"]
        assert offered(turn) == []
        assert "Keller" not in text(turn)


class TestCancelling:
    def test_a_cancellation_is_confirmed_first_then_done(self, start_chat: StartChat) -> None:
        chat = start_chat("ana")
        turn = chat.say("I need to cancel my appointment on Wednesday.")
        assert called(turn) == ["list_bookings", "cancel_booking"]
        assert turn.question is not None
        assert turn.question["action"] == "cancel_booking"
        assert ANAS_VISIT_SAID in turn.question["question"]
        assert chat.confirmed_starts() == [ANAS_VISIT]
        chat.say("yes")
        assert chat.confirmed_starts() == []
        assert len(chat.bookings(BookingStatus.CANCELLED)) == 1

    def test_declining_a_cancellation_keeps_the_booking(self, start_chat: StartChat) -> None:
        chat = start_chat("ana")
        chat.say("Please cancel my appointment with Dr. Keller")
        turn = chat.say("no")
        assert turn.question is None
        assert chat.confirmed_starts() == [ANAS_VISIT]

    def test_a_cancellation_inside_the_notice_period_is_refused(
        self, start_chat: StartChat, clock: FrozenClock
    ) -> None:
        clock.at = INSIDE_NOTICE
        chat = start_chat("ana")
        turn = chat.say("I need to cancel my appointment on Wednesday.")
        assert turn.question is None
        assert "until today, 08:40" in text(turn)
        assert chat.confirmed_starts() == [ANAS_VISIT]

    def test_a_cancellation_naming_none_of_their_bookings_cancels_nothing(
        self, start_chat: StartChat
    ) -> None:
        chat = start_chat("ana")
        turn = chat.say("Please cancel my dermatology appointment")
        assert "cancel_booking" not in called(turn)
        assert turn.question is None
        assert ANAS_VISIT_SAID in text(turn)
        assert chat.confirmed_starts() == [ANAS_VISIT]


class TestRescheduling:
    def test_a_move_offers_times_then_moves_after_confirmation(self, start_chat: StartChat) -> None:
        chat = start_chat("ana")
        offer = chat.say(
            "Could you move my Wednesday appointment with Dr. Keller to Thursday morning?"
        )
        times = offered(offer)
        assert times
        assert all(t.date().isoformat() == "2026-03-05" and t.hour < 12 for t in times)
        asked = chat.say("9:00 please")
        assert asked.question is not None
        assert asked.question["action"] == "reschedule_booking"
        assert "Thu 5 Mar, 09:00" in asked.question["question"]
        assert chat.confirmed_starts() == [ANAS_VISIT]
        chat.say("yes")
        assert chat.confirmed_starts() == ["Thu 5 Mar 2026, 09:00"]

    def test_a_move_without_a_day_asks_when(self, start_chat: StartChat) -> None:
        chat = start_chat("ana")
        first = chat.say("I'd like to reschedule my appointment")
        assert offered(first) == []
        assert first.question is None
        turn = chat.say("Friday")
        (check,) = calls(turn, "check_slots")
        assert (check["provider_id"], check["date_from"]) == ("dr-keller", "2026-03-06")
        asked = chat.say("the first one")
        assert asked.question is not None
        assert asked.question["action"] == "reschedule_booking"

    def test_declining_a_move_keeps_the_booking(self, start_chat: StartChat) -> None:
        chat = start_chat("ana")
        chat.say("Can I move my appointment with Dr. Keller to Friday?")
        chat.say("10:00")
        turn = chat.say("no")
        assert turn.question is None
        assert chat.confirmed_starts() == [ANAS_VISIT]

    def test_a_move_inside_the_notice_period_is_refused(
        self, start_chat: StartChat, clock: FrozenClock
    ) -> None:
        clock.at = INSIDE_NOTICE
        chat = start_chat("ana")
        turn = chat.say("Can I move my Wednesday appointment to Friday?")
        assert turn.question is None
        assert offered(turn) == []
        assert "until today, 08:40" in text(turn)
        assert chat.confirmed_starts() == [ANAS_VISIT]


class TestQuestions:
    @pytest.mark.parametrize(
        ("question", "fact"),
        [
            ("How late can I cancel an appointment without paying?", "24 hours"),
            ("How much is a dermatology consultation?", "80.00"),
            ("What does a notarial certification cost?", "45.00"),
            ("What should I bring to my appointment?", "insurance card"),
            ("Where is the law office?", "Kantstrasse 40"),
            ("Where do I have to go for my appointment?", "Linienstrasse 12"),
            ("How can I pay for a legal consultation?", "bank transfer"),
        ],
    )
    def test_questions_are_answered_from_the_knowledge_base(
        self, start_chat: StartChat, question: str, fact: str
    ) -> None:
        chat = start_chat("ana")
        turn = chat.say(question)
        assert called(turn) == ["search_knowledge"]
        assert fact in text(turn)
        assert chat.confirmed_starts() == [ANAS_VISIT]

    def test_a_price_question_about_it_means_the_service_on_offer(
        self, start_chat: StartChat
    ) -> None:
        chat = start_chat("tom")
        chat.say("I need help with a divorce")
        turn = chat.say("How much does it cost?")
        assert "150.00" in text(turn)
        picked = chat.say("the first one")
        assert picked.question is None
        assert calls(picked, "prefill_booking")

    def test_a_question_instead_of_a_confirmation_is_answered_and_asked_again(
        self, start_chat: StartChat
    ) -> None:
        chat = start_chat("ana")
        chat.say("Can I see Dr. Weber on Tuesday?")
        chat.say("13:00")
        turn = chat.say("How much does it cost?")
        assert "80.00" in text(turn)
        assert turn.question is not None
        assert turn.question["action"] == "confirm_booking"
        chat.say("yes")
        assert chat.confirmed_starts() == ["Tue 3 Mar 2026, 13:00", ANAS_VISIT]

    def test_what_to_bring_after_booking_names_that_bookings_documents(
        self, start_chat: StartChat
    ) -> None:
        chat = start_chat("tom")
        chat.say("I need a notarial certification on Tuesday")
        chat.say("10:00")
        chat.say("yes")
        turn = chat.say("What do I need to bring?")
        assert "Passport or national ID card" in text(turn)

    def test_a_question_without_an_answer_offers_a_colleague(self, start_chat: StartChat) -> None:
        chat = start_chat("tom")
        unknown = chat.say("Do you have parking?")
        assert called(unknown) == ["search_knowledge"]
        assert status_of(chat) == ConversationStatus.BOT
        turn = chat.say("yes please")
        assert called(turn) == ["handoff_to_human"]
        assert status_of(chat) == ConversationStatus.WAITING_FOR_HUMAN

    def test_asking_for_a_person_hands_the_conversation_over(self, start_chat: StartChat) -> None:
        chat = start_chat("tom")
        turn = chat.say("Can I talk to a person, please?")
        assert called(turn) == ["handoff_to_human"]
        assert status_of(chat) == ConversationStatus.WAITING_FOR_HUMAN
        assert chat.bookings() == []


class TestSameDayBookings:
    """A booking made inside the notice: said before the yes, and again when a change is refused."""

    def test_the_summary_says_so_then_a_cancellation_says_whom_to_call(
        self, start_chat: StartChat
    ) -> None:
        chat = start_chat("ana")
        chat.say("I'd like to see a dermatologist today")
        turn = chat.say("14:30")
        assert turn.question is not None
        assert "today, 14:30" in turn.question["question"]
        assert "once booked it can no longer be changed online" in turn.question["question"]
        assert "+49 30 2345 6780" in turn.question["question"]
        chat.say("yes")
        assert "Mon 2 Mar 2026, 14:30" in chat.confirmed_starts()

        turn = chat.say("Please cancel my dermatology appointment today")
        assert turn.question is None
        assert "can no longer be changed online" in text(turn)
        assert "call the practice on +49 30 2345 6780" in text(turn)
        assert "could have been" not in text(turn)
        assert "Mon 2 Mar 2026, 14:30" in chat.confirmed_starts()

        turn = chat.say("Can I move my dermatology appointment today to Friday?")
        assert offered(turn) == []
        assert "can no longer be changed online" in text(turn)
        assert "+49 30 2345 6780" in text(turn)

    def test_a_booking_well_ahead_carries_no_note(self, start_chat: StartChat) -> None:
        chat = start_chat("ana")
        chat.say("I'd like to see a dermatologist on Tuesday")
        turn = chat.say("14:30")
        assert turn.question is not None
        assert "tomorrow, 14:30" in turn.question["question"]
        assert "changed online" not in turn.question["question"]
