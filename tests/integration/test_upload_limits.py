"""A client may send a few files per requested document, not fill the database."""

from __future__ import annotations

import pytest
from sqlalchemy import func
from sqlmodel import select

from domain.documents.uploads import MAX_FILES_PER_REQUEST
from domain.kernel.errors import InvalidInput
from domain.kernel.uow import UnitOfWork
from domain.models import UploadedDocument
from tests.integration.test_uploads import ANA, asked_of_ana, send
from tests.support.sample_files import one_page_pdf

pytestmark = pytest.mark.usefixtures("sample_world")


def test_files_past_the_limit_for_one_request_are_refused_and_not_kept(uow: UnitOfWork) -> None:
    request_id = asked_of_ana(uow)
    for n in range(MAX_FILES_PER_REQUEST):
        send(uow, ANA, request_id, one_page_pdf(f"scan {n}"))
    with pytest.raises(InvalidInput, match="already sent 5 files for this document") as refused:
        send(uow, ANA, request_id, one_page_pdf("one too many"))
    assert refused.value.field == "file"
    with uow.reading() as reader:
        kept = reader.session.exec(select(func.count()).select_from(UploadedDocument)).one()
    assert kept == MAX_FILES_PER_REQUEST


def test_the_same_file_again_is_still_recognised_at_the_limit(uow: UnitOfWork) -> None:
    request_id = asked_of_ana(uow)
    first = send(uow, ANA, request_id, one_page_pdf("scan 0"))
    for n in range(1, MAX_FILES_PER_REQUEST):
        send(uow, ANA, request_id, one_page_pdf(f"scan {n}"))
    assert send(uow, ANA, request_id, one_page_pdf("scan 0")) == first
