"""Drafts, documents, forms and handoff: what happens around a confirmation."""

from __future__ import annotations

import io
from datetime import datetime
from zoneinfo import ZoneInfo

import docx
import pytest
from sqlmodel import col, select

from domain.booking.confirmation import confirm_booking
from domain.booking.drafts import booking_summary, fill_intake
from domain.booking.holds import hold_slot
from domain.clients.records import update_profile
from domain.conversations.handoff import request_handoff
from domain.conversations.opening import open_conversation
from domain.documents.requests import generate_forms, request_documents
from domain.kernel.actors import Actor, client_actor
from domain.kernel.errors import InvalidInput, InvalidTransition, NotFound
from domain.kernel.uow import UnitOfWork
from domain.models import (
    AuditEvent,
    Booking,
    ConversationStatus,
    DocumentTemplate,
    OutboxMessage,
)

pytestmark = pytest.mark.usefixtures("sample_world")
BERLIN = ZoneInfo("Europe/Berlin")
ANA, TOM = client_actor("ana", "web"), client_actor("tom", "sms")
STAFF = Actor(kind="staff", id="admin")


def derm_hold(uow: UnitOfWork, actor: Actor, hour: int = 14) -> Booking:
    assert actor.id is not None
    return hold_slot(
        uow=uow,
        actor=actor,
        client_id=actor.id,
        provider_id="dr-weber",
        service_id="derm-consult",
        start=datetime(2026, 3, 3, hour, 30, tzinfo=BERLIN),
        idempotency_key=f"{actor.id}-{hour}",
    )


def text_of(content: bytes) -> list[str]:
    return [p.text for p in docx.Document(io.BytesIO(content)).paragraphs]


class TestDrafts:
    def test_a_hold_is_prefilled_from_the_profile(self, uow: UnitOfWork) -> None:
        summary = booking_summary(uow=uow, actor=ANA, booking_id=derm_hold(uow, ANA).id)
        assert summary.intake == {"date_of_birth": "1990-04-12", "insurance_number": "A123456789"}
        assert summary.missing == []
        assert (summary.start, summary.price, summary.location) == (
            "tomorrow, 14:30",
            "80.00",
            "Berlin Mitte",
        )

    def test_confirm_waits_for_missing_intake_and_answers_go_to_the_profile(
        self, uow: UnitOfWork
    ) -> None:
        hold = derm_hold(uow, TOM)
        assert booking_summary(uow=uow, actor=TOM, booking_id=hold.id).missing == [
            "insurance_number"
        ]
        with pytest.raises(InvalidInput, match="still need: insurance number"):
            confirm_booking(uow=uow, actor=TOM, booking_id=hold.id)
        summary = fill_intake(
            uow=uow, actor=TOM, booking_id=hold.id, values={"insurance_number": "TK-5566778"}
        )
        assert summary.missing == []
        assert confirm_booking(uow=uow, actor=TOM, booking_id=hold.id).status == "confirmed"
        with uow.reading() as reader:
            assert reader.session.get_one(Booking, hold.id).intake["insurance_number"] == (
                "TK-5566778"
            )

    def test_another_clients_draft_is_not_theirs_to_fill(self, uow: UnitOfWork) -> None:
        hold = derm_hold(uow, ANA)
        with pytest.raises(NotFound):
            fill_intake(uow=uow, actor=TOM, booking_id=hold.id, values={"address": "x"})


class TestDocumentsAndForms:
    def confirmed(self, uow: UnitOfWork) -> Booking:
        return confirm_booking(uow=uow, actor=ANA, booking_id=derm_hold(uow, ANA).id)

    def test_required_documents_are_requested_once(self, uow: UnitOfWork) -> None:
        booking = self.confirmed(uow)
        first = request_documents(uow=uow, actor=ANA, booking_id=booking.id)
        again = request_documents(uow=uow, actor=ANA, booking_id=booking.id)
        assert [r.kind_id for r in first] == ["insurance_card"]
        assert [r.id for r in again] == [r.id for r in first]
        with uow.reading() as reader:
            events = reader.session.exec(
                select(OutboxMessage.event).where(col(OutboxMessage.subject_id) == booking.id)
            ).all()
        assert sorted(events) == ["booking.confirmed", "documents.requested"]

    def test_forms_are_filled_with_the_clients_data(self, uow: UnitOfWork) -> None:
        booking = self.confirmed(uow)
        [form] = generate_forms(uow=uow, actor=ANA, booking_id=booking.id)
        assert form.template_id == "medical-intake"
        assert text_of(form.content) == [
            "Medical intake form",
            "Patient: Ana Silva, born 1990-04-12",
            "Insurance number: A123456789",
            "Appointment: Dermatology consultation with Dr. Anna Weber on Tue 3 Mar 2026, 14:30",
        ]
        [again] = generate_forms(uow=uow, actor=ANA, booking_id=booking.id)
        assert again.id == form.id

    def test_text_a_client_typed_cannot_break_the_document(self, uow: UnitOfWork) -> None:
        update_profile(
            uow=uow, actor=ANA, client_id="ana", values={"insurance_number": "<w:p>&</w:p>"}
        )
        [form] = generate_forms(uow=uow, actor=ANA, booking_id=self.confirmed(uow).id)
        assert "Insurance number: <w:p>&</w:p>" in text_of(form.content)

    def test_a_form_naming_data_we_lack_is_refused_by_name(self, uow: UnitOfWork) -> None:
        with uow:
            template = uow.session.get_one(DocumentTemplate, "medical-intake")
            template.paragraphs = [*template.paragraphs, "Employer: {{ client.employer }}"]
            uow.commit()
        with pytest.raises(
            InvalidInput,
            match="'Medical intake form' needs data we do not have: "
            "'dict object' has no attribute 'employer'",
        ):
            generate_forms(uow=uow, actor=ANA, booking_id=self.confirmed(uow).id)

    def test_holds_get_no_documents(self, uow: UnitOfWork) -> None:
        with pytest.raises(InvalidTransition):
            request_documents(uow=uow, actor=ANA, booking_id=derm_hold(uow, ANA).id)


class TestHandoff:
    def test_asking_for_a_person_puts_the_conversation_in_the_queue(self, uow: UnitOfWork) -> None:
        open_conversation(uow=uow, conversation_id="c1", channel="web", client_id="tom")
        waiting = request_handoff(uow=uow, actor=TOM, conversation_id="c1", reason="wants a person")
        assert waiting.status == ConversationStatus.WAITING_FOR_HUMAN
        with uow.reading() as reader:
            actions = reader.session.exec(
                select(AuditEvent.action).where(col(AuditEvent.subject_id) == "c1")
            ).all()
        assert actions == ["conversation.handoff_requested"]

    def test_nobody_hands_off_someone_elses_conversation(self, uow: UnitOfWork) -> None:
        open_conversation(uow=uow, conversation_id="c2", channel="web", client_id="ana")
        with pytest.raises(NotFound):
            request_handoff(uow=uow, actor=TOM, conversation_id="c2", reason="x")
