"""Conversations with the offline model: the summary, missing intake, confirming or not.

Nothing is booked before the client confirms a pre-filled summary; after a yes the booking
exists, its documents are requested and its forms generated.
"""

from __future__ import annotations

import io

import docx
import pytest
from sqlmodel import col, select

from domain.clients.registration import register_client
from domain.kernel.actors import SYSTEM
from domain.kernel.uow import UnitOfWork
from domain.models import BookingStatus, Client, DocumentRequest, GeneratedForm
from tests.integration.test_offline_conversations import (
    Chat,
    StartChat,
    called,
    calls,
    held_start,
    sample_index,
    start_chat,
    text,
)

__all__ = ["sample_index", "start_chat"]  # fixtures shared with the finding tests


def derm_summary(chat: Chat, time: str = "14:30") -> None:
    """Bring the conversation to the summary of a dermatology visit on Tuesday 3 March."""
    chat.say("I'd like to see a dermatologist on Tuesday")
    turn = chat.say(time)
    assert called(turn)[-1] == "confirm_booking"
    assert turn.question is not None
    assert turn.question["action"] == "confirm_booking"


def profile(chat: Chat) -> dict[str, str]:
    with chat.uow().reading() as reader:
        return dict(reader.session.get_one(Client, chat.client_id).profile)


def new_client(start_chat: StartChat, uow: UnitOfWork, name: str, phone: str) -> Chat:
    client = register_client(
        uow=uow, actor=SYSTEM, name=name, phone=phone, idempotency_key=f"test:{phone}"
    )
    return start_chat(client.id)


class TestSummary:
    def test_the_summary_is_prefilled_before_anything_is_booked(
        self, start_chat: StartChat
    ) -> None:
        chat = start_chat("ana")
        chat.say("I'd like to see a dermatologist on Tuesday afternoon")
        turn = chat.say("14:30")
        assert turn.question is not None
        summary = turn.question["question"]
        for fact in (
            "Dermatology consultation",
            "Dr. Anna Weber",
            "tomorrow, 14:30",
            "Berlin Mitte",
            "80.00",
            "1990-04-12",
            "A123456789",
        ):
            assert fact in summary
        (held,) = chat.bookings(BookingStatus.HOLD)
        assert (held.provider_id, held.service_id) == ("dr-weber", "derm-consult")
        assert chat.confirmed_starts() == ["Wed 4 Mar 2026, 08:40"]

    def test_only_missing_intake_is_asked_and_saved_to_the_profile(
        self, start_chat: StartChat
    ) -> None:
        chat = start_chat("tom")
        chat.say("Can I see Dr. Weber on Tuesday?")
        asked = chat.say("13:00")
        assert asked.question is None
        assert "insurance number" in text(asked)
        assert "date of birth" not in text(asked)
        turn = chat.say("My insurance number is TK-5566778")
        (update,) = calls(turn, "update_booking_draft")
        assert update["values"] == {"insurance_number": "TK-5566778"}
        assert profile(chat)["insurance_number"] == "TK-5566778"
        assert turn.question is not None
        assert "TK-5566778" in turn.question["question"]
        assert "1978-11-30" in turn.question["question"]

    def test_a_new_client_is_asked_for_each_missing_field_in_turn(
        self, start_chat: StartChat, uow: UnitOfWork
    ) -> None:
        chat = new_client(start_chat, uow, "Maria Lopez", "+4917000000001")
        chat.say("I need help with a divorce")
        asked = chat.say("Thursday at 11")
        assert "date of birth" in text(asked)
        assert "address" in text(asked)
        still = chat.say("I was born on 12 May 1985")
        assert still.question is None
        assert "address" in text(still)
        assert "date of birth" not in text(still)
        turn = chat.say("I live at Torstrasse 5, 10119 Berlin")
        assert turn.question is not None
        assert "Torstrasse 5" in turn.question["question"]
        chat.say("yes")
        assert chat.confirmed_starts() == ["Thu 5 Mar 2026, 11:00"]
        assert profile(chat) == {
            "date_of_birth": "1985-05-12",
            "address": "Torstrasse 5, 10119 Berlin",
        }


class TestConfirming:
    @pytest.mark.parametrize("wording", ["yes", "book it", "confirm", "Yes, please confirm."])
    def test_a_confirmation_books_requests_documents_and_generates_forms(
        self, start_chat: StartChat, wording: str
    ) -> None:
        chat = start_chat("ana")
        derm_summary(chat)
        turn = chat.say(wording)
        # confirm_booking was called the turn before; the graph ran it on this answer.
        assert called(turn) == ["request_documents", "generate_form"]
        assert chat.confirmed_starts() == ["Tue 3 Mar 2026, 14:30", "Wed 4 Mar 2026, 08:40"]
        assert turn.question is None
        assert "Health insurance card" in text(turn)
        (booking,) = [
            b for b in chat.bookings(BookingStatus.CONFIRMED) if b.service_id == "derm-consult"
        ]
        with chat.uow().reading() as reader:
            requested = reader.session.exec(
                select(DocumentRequest.kind_id).where(col(DocumentRequest.booking_id) == booking.id)
            ).all()
            (form,) = reader.session.exec(
                select(GeneratedForm).where(col(GeneratedForm.booking_id) == booking.id)
            ).all()
        assert requested == ["insurance_card"]
        assert form.template_id == "medical-intake"
        assert form.filename.endswith(".docx")
        assert form.filename in text(turn)
        paragraphs = [p.text for p in docx.Document(io.BytesIO(form.content)).paragraphs]
        assert any("Ana Silva" in paragraph for paragraph in paragraphs)

    def test_a_question_instead_of_an_answer_books_nothing(self, start_chat: StartChat) -> None:
        chat = start_chat("ana")
        derm_summary(chat)
        turn = chat.say("Do you have parking?")
        assert chat.confirmed_starts() == ["Wed 4 Mar 2026, 08:40"]
        assert turn.question is not None
        assert turn.question["action"] == "confirm_booking"

    def test_declining_books_nothing_and_frees_the_time(self, start_chat: StartChat) -> None:
        chat = start_chat("ana")
        derm_summary(chat)
        turn = chat.say("no")
        assert "confirm_booking" not in [name for name in called(turn)]
        assert turn.question is None
        assert chat.confirmed_starts() == ["Wed 4 Mar 2026, 08:40"]
        assert chat.bookings(BookingStatus.HOLD) == []
        (released,) = chat.bookings(BookingStatus.RELEASED)
        assert released.service_id == "derm-consult"

    def test_a_correction_releases_the_held_time_and_shows_a_new_summary(
        self, start_chat: StartChat
    ) -> None:
        chat = start_chat("ana")
        derm_summary(chat, "14:30")
        turn = chat.say("actually make it 11")
        assert held_start(turn, "update_booking_draft").hour == 11
        assert turn.question is not None
        assert "tomorrow, 11:00" in turn.question["question"]
        (old,) = chat.bookings(BookingStatus.RELEASED)
        assert old.starts_at.astimezone(held_start(turn, "update_booking_draft").tzinfo).hour == 14
        chat.say("yes")
        assert chat.confirmed_starts() == ["Tue 3 Mar 2026, 11:00", "Wed 4 Mar 2026, 08:40"]

    def test_a_correction_onto_a_start_overlapping_the_held_one_moves_it(
        self, start_chat: StartChat
    ) -> None:
        chat = start_chat("ana")
        derm_summary(chat, "14:30")
        turn = chat.say("actually make it 14:00")
        assert turn.question is not None
        assert "tomorrow, 14:00" in turn.question["question"]
        chat.say("yes")
        assert chat.confirmed_starts() == ["Tue 3 Mar 2026, 14:00", "Wed 4 Mar 2026, 08:40"]
        assert len(chat.bookings(BookingStatus.RELEASED)) == 1

    def test_a_new_day_on_the_summary_offers_that_day(self, start_chat: StartChat) -> None:
        chat = start_chat("ana")
        derm_summary(chat)
        turn = chat.say("Friday instead")
        assert turn.question is None
        (check,) = calls(turn, "check_slots")
        assert (check["provider_id"], check["date_from"]) == ("dr-weber", "2026-03-06")
        picked = chat.say("10:30")
        assert held_start(picked, "update_booking_draft").isoformat() == "2026-03-06T10:30:00+01:00"
        chat.say("yes")
        assert chat.confirmed_starts() == ["Wed 4 Mar 2026, 08:40", "Fri 6 Mar 2026, 10:30"]
        assert [b.service_id for b in chat.bookings(BookingStatus.RELEASED)] == ["derm-consult"]
