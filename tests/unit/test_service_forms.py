"""A service's form templates must fit what its bookings ask for, or no booking gets its forms."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import docx
import pytest

from domain.booking.confirmation import confirm_booking
from domain.booking.holds import hold_slot
from domain.catalog.services import create_service, get_service, update_service
from domain.documents.requests import generate_forms
from domain.documents.templates import (
    create_document_template,
    get_document_template,
    replace_document_template_content,
)
from domain.kernel.actors import client_actor
from domain.kernel.errors import InvalidInput
from domain.kernel.uow import UnitOfWork
from domain.models import Service, StaffRole, StaffUser

pytestmark = pytest.mark.usefixtures("sample_world")
ADMIN = StaffUser(
    id="admin",
    email="admin@example.org",
    name="Admin",
    role=StaffRole.ADMIN,
    created_at=datetime(2026, 1, 5, tzinfo=UTC),
)
NOTARY_INTAKE = ["date_of_birth"]  # notary-certification asks for no insurance number


def word_file(*paragraphs: str) -> bytes:
    document = docx.Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def upload(uow: UnitOfWork, template_id: str, *paragraphs: str) -> None:
    create_document_template(
        uow=uow, staff=ADMIN, template_id=template_id, name="Form", content=word_file(*paragraphs)
    )


def change_service(uow: UnitOfWork, service_id: str, **changes: object) -> Service:
    version = get_service(uow=uow, service_id=service_id).version
    return update_service(
        uow=uow, staff=ADMIN, service_id=service_id, expected_version=version, changes=changes
    )


class TestAttachingTemplates:
    def test_a_template_naming_a_field_the_service_does_not_ask_for_is_refused(
        self, uow: UnitOfWork
    ) -> None:
        upload(uow, "insured", "{{ client.name }}: {{ client.insurance_number }}")
        with pytest.raises(InvalidInput) as refused:
            change_service(uow, "notary-certification", form_templates=["insured"])
        assert refused.value.field == "form_templates"
        assert refused.value.message == (
            "The form template 'insured' uses fields a booking of this service does not have: "
            "client.insurance_number. Ask for them in its intake_fields, or leave the template "
            "out."
        )
        assert get_service(uow=uow, service_id="notary-certification").form_templates == []

    def test_a_new_service_is_refused_a_template_it_cannot_fill(self, uow: UnitOfWork) -> None:
        apostille = Service(
            id="apostille",
            name="Apostille",
            duration_min=15,
            intake_fields=NOTARY_INTAKE,
            form_templates=["medical-intake"],
        )
        with pytest.raises(InvalidInput, match=r"'medical-intake' uses fields .*insurance_number"):
            create_service(uow=uow, staff=ADMIN, service=apostille)

    def test_asking_for_the_field_as_well_makes_the_template_fit(self, uow: UnitOfWork) -> None:
        upload(uow, "insured", "{{ client.name }}: {{ client.insurance_number }}")
        changed = change_service(
            uow,
            "notary-certification",
            intake_fields=[*NOTARY_INTAKE, "insurance_number"],
            form_templates=["insured"],
        )
        assert changed.form_templates == ["insured"]

    def test_dropping_an_intake_field_a_form_of_the_service_uses_is_refused(
        self, uow: UnitOfWork
    ) -> None:
        with pytest.raises(InvalidInput) as refused:
            change_service(uow, "derm-consult", intake_fields=["date_of_birth"])
        assert refused.value.field == "intake_fields"
        assert "'medical-intake' uses fields a booking of this service does not have: " in (
            refused.value.message
        )
        service = get_service(uow=uow, service_id="derm-consult")
        assert (service.intake_fields, service.version) == (
            ["date_of_birth", "insurance_number"],
            1,
        )

    def test_other_changes_do_not_check_the_forms_again(self, uow: UnitOfWork) -> None:
        assert change_service(uow, "derm-consult", price="90.00").price == "90.00"


class TestReplacingATemplate:
    def test_content_naming_a_field_a_service_using_it_lacks_is_refused(
        self, uow: UnitOfWork
    ) -> None:
        version = get_document_template(uow=uow, template_id="medical-intake").version
        with pytest.raises(InvalidInput) as refused:
            replace_document_template_content(
                uow=uow,
                staff=ADMIN,
                template_id="medical-intake",
                expected_version=version,
                content=word_file("{{ client.name }} lives at {{ client.address }}"),
            )
        assert refused.value.field == "file"
        assert refused.value.message == (
            "The template 'medical-intake' is a form of the service 'derm-consult', whose "
            "bookings do not have: client.address. Ask for them in the service's intake_fields "
            "first, or take the template off it."
        )
        assert get_document_template(uow=uow, template_id="medical-intake").version == version

    def test_bookings_of_every_service_using_a_template_still_get_their_forms(
        self, uow: UnitOfWork
    ) -> None:
        upload(uow, "insured", "{{ client.name }}: {{ client.insurance_number }}")
        change_service(uow, "derm-consult", form_templates=["insured"])
        replace_document_template_content(
            uow=uow,
            staff=ADMIN,
            template_id="insured",
            expected_version=1,
            content=word_file("{{ client.name }}, born {{ client.date_of_birth }}"),
        )
        ana = client_actor("ana", "web")
        hold = hold_slot(
            uow=uow,
            actor=ana,
            client_id="ana",
            provider_id="dr-weber",
            service_id="derm-consult",
            start=datetime(2026, 3, 3, 14, 30, tzinfo=ZoneInfo("Europe/Berlin")),
            idempotency_key="ana-derm",
        )
        booking = confirm_booking(uow=uow, actor=ana, booking_id=hold.id)
        [form] = generate_forms(uow=uow, actor=ana, booking_id=booking.id)
        paragraphs = [p.text for p in docx.Document(io.BytesIO(form.content)).paragraphs]
        assert paragraphs[-1] == "Ana Silva, born 1990-04-12"
