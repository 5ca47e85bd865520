"""Template lists on SQLite and PostgreSQL: sizes come from the database, no file is opened."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import docx
import pytest

from domain.documents.templates import (
    create_document_template,
    get_document_template,
    page_document_templates,
)
from domain.kernel.uow import UnitOfWork
from domain.models import DocumentTemplate, StaffRole, StaffUser

pytestmark = pytest.mark.usefixtures("sample_world")
ADMIN = StaffUser(
    id="admin",
    email="admin@example.org",
    name="Admin",
    role=StaffRole.ADMIN,
    created_at=datetime(2026, 1, 5, tzinfo=UTC),
)


def word_file(text: str) -> bytes:
    document = docx.Document()
    document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_listed_sizes_are_those_a_read_gives(uow: UnitOfWork) -> None:
    uploaded = word_file("Dear {{ client.name }}")
    create_document_template(
        uow=uow, staff=ADMIN, template_id="letter", name="Letter", content=uploaded
    )
    with uow:
        uow.session.add(DocumentTemplate(id="garbled", name="Garbled", docx=b"\x00not a docx"))
        uow.commit()
    listed, total = page_document_templates(
        uow=uow, archived=False, search=None, limit=50, offset=0
    )
    sizes = {template.id: template.size_bytes for template in listed}
    assert total == 4
    assert sizes["letter"] == len(uploaded)
    assert sizes["garbled"] == len(b"\x00not a docx")
    for made_from_paragraphs in ("legal-engagement", "medical-intake"):
        read = get_document_template(uow=uow, template_id=made_from_paragraphs)
        assert sizes[made_from_paragraphs] == read.size_bytes
