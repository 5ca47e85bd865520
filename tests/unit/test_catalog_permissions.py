"""Only admins change the catalog, knowledge and templates, whichever way the call comes in."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import UTC, datetime

import docx
import pytest
from sqlalchemy import func
from sqlmodel import select

from domain.catalog.categories import CATEGORIES
from domain.catalog.document_kinds import DOCUMENT_KINDS
from domain.catalog.knowledge import (
    create_knowledge_entry,
    delete_knowledge_entry,
    update_knowledge_entry,
)
from domain.catalog.providers import create_provider, update_provider
from domain.catalog.services import create_service, update_service
from domain.documents.templates import (
    create_document_template,
    preview_upload,
    replace_document_template_content,
    update_document_template,
)
from domain.kernel.errors import Forbidden
from domain.kernel.uow import UnitOfWork
from domain.models import AuditEvent, Category, Provider, Service, StaffRole, StaffUser

pytestmark = pytest.mark.usefixtures("sample_world")
DR_WEBER = StaffUser(
    id="staff-weber",
    email="weber@example.org",
    name="Dr. Anna Weber",
    role=StaffRole.PROVIDER,
    provider_id="dr-weber",
    created_at=datetime(2026, 1, 5, tzinfo=UTC),
)


def word_file(text: str) -> bytes:
    document = docx.Document()
    document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


ADMIN_ONLY: dict[str, Callable[[UnitOfWork], object]] = {
    "add a category": lambda uow: CATEGORIES.add(
        uow=uow, staff=DR_WEBER, item=Category(id="mine", name="Mine")
    ),
    "rename a category": lambda uow: CATEGORIES.change(
        uow=uow, staff=DR_WEBER, item_id="medical", expected_version=1, changes={"name": "X"}
    ),
    "archive a document kind": lambda uow: DOCUMENT_KINDS.archive(
        uow=uow, staff=DR_WEBER, item_id="insurance_card", expected_version=1
    ),
    "add a service": lambda uow: create_service(
        uow=uow, staff=DR_WEBER, service=Service(id="mine", name="Mine", duration_min=30)
    ),
    "change a service": lambda uow: update_service(
        uow=uow,
        staff=DR_WEBER,
        service_id="derm-consult",
        expected_version=1,
        changes={"price": "1.00"},
    ),
    "add a provider": lambda uow: create_provider(
        uow=uow,
        staff=DR_WEBER,
        provider=Provider(id="mine", name="Mine", timezone="Europe/Berlin"),
        service_ids=[],
    ),
    "change their own provider record": lambda uow: update_provider(
        uow=uow,
        staff=DR_WEBER,
        provider_id="dr-weber",
        expected_version=1,
        changes={"buffer_min": 0},
        service_ids=["derm-consult"],
    ),
    "add knowledge": lambda uow: create_knowledge_entry(
        uow=uow, staff=DR_WEBER, entry_id="mine", title="Mine", text="Mine"
    ),
    "change knowledge": lambda uow: update_knowledge_entry(
        uow=uow,
        staff=DR_WEBER,
        entry_id="location",
        expected_version=1,
        changes={"text": "Elsewhere"},
    ),
    "delete knowledge": lambda uow: delete_knowledge_entry(
        uow=uow, staff=DR_WEBER, entry_id="location", expected_version=1
    ),
    "upload a template": lambda uow: create_document_template(
        uow=uow,
        staff=DR_WEBER,
        template_id="mine",
        name="Mine",
        content=word_file("{{ client.name }}"),
    ),
    "replace a template": lambda uow: replace_document_template_content(
        uow=uow,
        staff=DR_WEBER,
        template_id="medical-intake",
        expected_version=1,
        content=word_file("{{ client.name }}"),
    ),
    "archive a template": lambda uow: update_document_template(
        uow=uow,
        staff=DR_WEBER,
        template_id="medical-intake",
        expected_version=1,
        changes={"archived": True},
    ),
    "try out an unsaved template": lambda uow: preview_upload(
        uow=uow, staff=DR_WEBER, content=word_file("{{ client.name }}")
    ),
}


def audit_count(uow: UnitOfWork) -> int:
    with uow.reading() as reader:
        return reader.session.exec(select(func.count()).select_from(AuditEvent)).one()


@pytest.mark.parametrize("attempt", ADMIN_ONLY.values(), ids=ADMIN_ONLY.keys())
def test_a_provider_is_refused_and_nothing_changes(
    uow: UnitOfWork, attempt: Callable[[UnitOfWork], object]
) -> None:
    before = audit_count(uow)
    with pytest.raises(Forbidden, match=r"^Only an admin may do that\.$"):
        attempt(uow)
    assert audit_count(uow) == before


def test_an_admin_may_make_the_same_change(uow: UnitOfWork) -> None:
    admin = StaffUser(
        id="staff-admin",
        email="admin@example.org",
        name="Admin",
        role=StaffRole.ADMIN,
        created_at=datetime(2026, 1, 5, tzinfo=UTC),
    )
    added = CATEGORIES.add(uow=uow, staff=admin, item=Category(id="mine", name="Mine"))
    assert (added.id, CATEGORIES.get(uow=uow, item_id="mine").name) == ("mine", "Mine")
