"""Form templates admins upload: checked against the fields a form has, then filled per booking."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import docx
import pytest
from sqlmodel import col, select

from domain.booking.confirmation import confirm_booking
from domain.booking.holds import hold_slot
from domain.documents.forms import MAX_TEMPLATE_BYTES, form_fields
from domain.documents.requests import generate_forms
from domain.documents.templates import (
    create_document_template,
    get_document_template,
    page_document_templates,
    preview_document_template,
    replace_document_template_content,
    update_document_template,
)
from domain.kernel.actors import client_actor
from domain.kernel.errors import InvalidInput
from domain.kernel.uow import UnitOfWork
from domain.kernel.versioning import StaleVersion
from domain.models import AuditEvent, DocumentTemplate, Service, StaffRole, StaffUser

pytestmark = pytest.mark.usefixtures("sample_world")
BERLIN = ZoneInfo("Europe/Berlin")
ADMIN = StaffUser(
    id="admin",
    email="admin@example.org",
    name="Admin",
    role=StaffRole.ADMIN,
    created_at=datetime(2026, 1, 5, tzinfo=UTC),
)
ANA = client_actor("ana", "web")


def word_file(*paragraphs: str, header: str = "", table_cell: str = "") -> bytes:
    """A .docx made with python-docx, as an admin would save one from Word."""
    document = docx.Document()
    if header:
        document.sections[0].header.paragraphs[0].text = header
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    if table_cell:
        document.add_table(rows=1, cols=1).cell(0, 0).text = table_cell
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def text_of(content: bytes) -> list[str]:
    document = docx.Document(io.BytesIO(content))
    header = [p.text for p in document.sections[0].header.paragraphs]
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return header + [p.text for p in document.paragraphs] + cells


CONSENT = word_file(
    "Consent of {{ client.name }}, born {{ client.date_of_birth }}",
    "Insurance: {{ client['insurance_number'] }}",
    "{% if client.email %}Copy to {{ client.email }}{% endif %}",
    "{{ service.name }} with {{ provider.name }} on {{ booking.start }}",
    header="Lindenhof — {{ provider.location }}",
    table_cell="Reference {{ booking.id }}",
)


def add(uow: UnitOfWork, template_id: str, content: bytes) -> None:
    create_document_template(
        uow=uow, staff=ADMIN, template_id=template_id, name="Consent", content=content
    )


def confirmed_derm_booking(uow: UnitOfWork) -> str:
    hold = hold_slot(
        uow=uow,
        actor=ANA,
        client_id="ana",
        provider_id="dr-weber",
        service_id="derm-consult",
        start=datetime(2026, 3, 3, 14, 30, tzinfo=BERLIN),
        idempotency_key="ana-derm",
    )
    return confirm_booking(uow=uow, actor=ANA, booking_id=hold.id).id


def use_forms(uow: UnitOfWork, service_id: str, template_ids: list[str]) -> None:
    with uow:
        uow.session.get_one(Service, service_id).form_templates = template_ids
        uow.commit()


class TestUpload:
    def test_a_template_is_saved_with_the_fields_it_names(self, uow: UnitOfWork) -> None:
        add(uow, "consent", CONSENT)
        saved = get_document_template(uow=uow, template_id="consent")
        assert saved.placeholders == [
            "booking.id",
            "booking.start",
            "client.date_of_birth",
            "client.email",
            "client.insurance_number",
            "client.name",
            "provider.location",
            "provider.name",
            "service.name",
        ]
        assert (saved.version, saved.archived, saved.size_bytes) == (1, False, len(CONSENT))

    def test_a_field_a_form_does_not_have_is_refused_by_name(self, uow: UnitOfWork) -> None:
        shoes = word_file("{{ client.name }} wears {{ client.shoe_size }} ({{ patient_name }})")
        with pytest.raises(InvalidInput) as refused:
            add(uow, "shoes", shoes)
        assert refused.value.field == "file"
        assert refused.value.message.startswith(
            "The template names fields a form does not have: client.shoe_size, patient_name. "
            "A form may use: booking.end, booking.id, "
        )

    def test_intake_fields_some_service_asks_for_are_form_fields(self) -> None:
        assert form_fields(["employer"]) == {
            *("client.name", "client.phone", "client.email", "client.employer"),
            *("service.name", "service.price", "service.currency", "service.duration_min"),
            *("provider.name", "provider.location", "provider.kind"),
            *("booking.id", "booking.start", "booking.end"),
        }

    def test_a_syntax_error_names_the_paragraph_it_is_in(self, uow: UnitOfWork) -> None:
        with pytest.raises(InvalidInput) as refused:
            add(uow, "broken", word_file("Fine {{ client.name }}", "Born {{ client.date_of_birth"))
        assert refused.value.message == (
            'Template syntax error in the body in the paragraph "Born {{ '
            "client.date_of_birth\": unexpected '/' (is a closing }} or %} missing?)"
        )

    def test_an_unknown_filter_is_a_syntax_error(self, uow: UnitOfWork) -> None:
        with pytest.raises(InvalidInput, match="No filter named 'shout'"):
            add(uow, "filtered", word_file("{{ client.name | shout }}"))

    def test_a_template_cannot_reach_python_internals(self, uow: UnitOfWork) -> None:
        with pytest.raises(InvalidInput) as refused:
            add(uow, "escape", word_file("{{ client.name.__class__.__mro__ }}"))
        assert refused.value.message == (
            "The template could not be filled with sample data: it reads '__class__', which a "
            "form may not read (names starting with _)."
        )

    @pytest.mark.parametrize(
        ("paragraph", "problem"),
        [
            (
                "{{ client.name.first }}",
                "it reads 'first', which the fields of a form do not have.",
            ),
            (
                "{{ client.name + 1 }}",
                "a calculation or filter in it does not work on a form's values; check what is "
                "inside {{ }} and {% %}.",
            ),
        ],
    )
    def test_what_cannot_be_filled_is_said_without_python_names(
        self, uow: UnitOfWork, paragraph: str, problem: str
    ) -> None:
        with pytest.raises(InvalidInput) as refused:
            add(uow, "unfillable", word_file(paragraph))
        assert refused.value.message == (
            f"The template could not be filled with sample data: {problem}"
        )

    @pytest.mark.parametrize(
        ("content", "reason"),
        [
            (b"%PDF-1.7 not a word file", "is not a Word document"),
            (b"", "is not a Word document"),
            (b"PK\x03\x04" + b"\0" * 40, "is not a Word document"),
            (b"\0" * (MAX_TEMPLATE_BYTES + 1), "a template may be up to 5 MB"),
        ],
    )
    def test_a_file_that_is_not_a_docx_is_refused(
        self, uow: UnitOfWork, content: bytes, reason: str
    ) -> None:
        with pytest.raises(InvalidInput, match=reason):
            add(uow, "not-docx", content)

    def test_a_zip_without_a_document_is_not_a_docx(self, uow: UnitOfWork) -> None:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("hello.txt", "hello")
        with pytest.raises(InvalidInput, match="is not a Word document"):
            add(uow, "zip", buffer.getvalue())

    def test_a_broken_document_inside_a_docx_is_refused(self, uow: UnitOfWork) -> None:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("word/document.xml", "<w:document>never closed")
        with pytest.raises(InvalidInput, match="could not be read as a Word document"):
            add(uow, "broken-xml", buffer.getvalue())


class TestForms:
    def test_a_bookings_form_from_an_uploaded_template_holds_the_clients_data(
        self, uow: UnitOfWork
    ) -> None:
        add(uow, "consent", CONSENT)
        use_forms(uow, "derm-consult", ["consent"])
        booking_id = confirmed_derm_booking(uow)
        [form] = generate_forms(uow=uow, actor=ANA, booking_id=booking_id)
        assert text_of(form.content) == [
            "Lindenhof — Berlin Mitte",
            "Consent of Ana Silva, born 1990-04-12",
            "Insurance: A123456789",
            "Copy to ana.silva@example.com",
            "Dermatology consultation with Dr. Anna Weber on Tue 3 Mar 2026, 14:30",
            f"Reference {booking_id}",
        ]

    def test_the_preview_is_filled_with_a_made_up_booking(self, uow: UnitOfWork) -> None:
        add(uow, "consent", CONSENT)
        assert text_of(preview_document_template(uow=uow, template_id="consent")) == [
            "Lindenhof — Berlin Mitte",
            "Consent of Alex Sample, born 1990-04-12",
            "Insurance: A123456789",
            "Copy to alex.sample@example.org",
            "Dermatology consultation with Dr. Anna Weber on Tue 3 Mar 2026, 14:30",
            "Reference sample-booking",
        ]

    def test_replacing_the_file_changes_the_forms_made_after(self, uow: UnitOfWork) -> None:
        add(uow, "consent", CONSENT)
        replaced = replace_document_template_content(
            uow=uow,
            staff=ADMIN,
            template_id="consent",
            expected_version=1,
            content=word_file("Second edition for {{ client.name }}"),
        )
        assert (replaced.version, replaced.placeholders) == (2, ["client.name"])
        use_forms(uow, "derm-consult", ["consent"])
        [form] = generate_forms(uow=uow, actor=ANA, booking_id=confirmed_derm_booking(uow))
        assert text_of(form.content) == ["", "Second edition for Ana Silva"]

    def test_a_replacement_from_an_old_version_is_refused(self, uow: UnitOfWork) -> None:
        add(uow, "consent", CONSENT)
        update_document_template(
            uow=uow, staff=ADMIN, template_id="consent", expected_version=1, changes={"name": "C"}
        )
        with pytest.raises(StaleVersion):
            replace_document_template_content(
                uow=uow,
                staff=ADMIN,
                template_id="consent",
                expected_version=1,
                content=word_file("Late"),
            )
        assert get_document_template(uow=uow, template_id="consent").size_bytes == len(CONSENT)

    def test_an_archived_template_makes_no_new_forms(self, uow: UnitOfWork) -> None:
        add(uow, "consent", CONSENT)
        use_forms(uow, "derm-consult", ["consent", "medical-intake"])
        update_document_template(
            uow=uow,
            staff=ADMIN,
            template_id="consent",
            expected_version=1,
            changes={"archived": True},
        )
        forms = generate_forms(uow=uow, actor=ANA, booking_id=confirmed_derm_booking(uow))
        assert [f.template_id for f in forms] == ["medical-intake"]

    def test_uploads_and_changes_are_audited(self, uow: UnitOfWork) -> None:
        add(uow, "consent", CONSENT)
        replace_document_template_content(
            uow=uow, staff=ADMIN, template_id="consent", expected_version=1, content=CONSENT
        )
        with uow.reading() as reader:
            actions = reader.session.exec(
                select(AuditEvent.action).where(col(AuditEvent.subject_id) == "consent")
            ).all()
        assert actions == ["document_template.created", "document_template.content_replaced"]


class TestListing:
    def test_a_list_gives_each_templates_size_and_a_read_its_fields(self, uow: UnitOfWork) -> None:
        add(uow, "consent", CONSENT)
        listed, total = page_document_templates(
            uow=uow, archived=None, search=None, limit=50, offset=0
        )
        assert total == 3
        assert [(t.id, t.size_bytes) for t in listed] == [
            (t, get_document_template(uow=uow, template_id=t).size_bytes)
            for t in ("consent", "legal-engagement", "medical-intake")
        ]
        assert not any(hasattr(t, "placeholders") for t in listed)

    def test_a_list_never_opens_the_files(self, uow: UnitOfWork) -> None:
        with uow:
            uow.session.add(DocumentTemplate(id="garbled", name="Garbled", docx=b"not a docx"))
            uow.commit()
        [garbled], _ = page_document_templates(
            uow=uow, archived=False, search="garbled", limit=50, offset=0
        )
        assert (garbled.id, garbled.size_bytes) == ("garbled", len(b"not a docx"))
        with pytest.raises(InvalidInput, match="not a Word document"):
            get_document_template(uow=uow, template_id="garbled")
