"""Clients' documents for staff: requests, the files sent, the forms made; downloads audited."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import BaseModel

from api.bootstrap import frontdesk_of
from api.conventions import REFERENCE, Page, PageQuery, StaffMember, page
from api.downloads import DOCX, PRIVATE_FILE, attachment
from domain.documents.sealing import DocumentKey
from domain.documents.staff_access import (
    get_form,
    get_upload,
    page_document_requests,
    page_forms,
    page_uploads,
    read_form,
    read_upload,
)
from domain.kernel.keyring import Keyring

log = logging.getLogger(__name__)
# Ids are uuid hex or admin-chosen slugs; anything else (a NUL PostgreSQL refuses) is a 422.
Reference = Annotated[str | None, Query(pattern=REFERENCE)]
RowId = Annotated[str, Path(pattern=REFERENCE)]
# What was sent is private and may be anything a browser could render: never cached, never run.


class DocumentRead(BaseModel):
    id: str
    client_id: str
    booking_id: str | None
    request_id: str | None
    kind_id: str | None
    filename: str
    content_type: str
    size_bytes: int
    sha256: str
    channel: str
    created_at: datetime


class DocumentRequestRead(BaseModel):
    id: str
    booking_id: str
    client_id: str
    kind_id: str
    status: str
    created_at: datetime


class FormRead(BaseModel):
    id: str
    booking_id: str
    template_id: str
    filename: str
    created_at: datetime


def document_router(key: DocumentKey | Keyring) -> APIRouter:
    """Staff routes; sent files are opened with `key` (read at startup, so a bad one stops it)."""
    router = APIRouter(tags=["documents"])

    @router.get("/documents", response_model=Page[DocumentRead])
    def list_documents(
        request: Request,
        staff: StaffMember,
        paged: PageQuery,
        client: Reference = None,
        booking: Reference = None,
        request_id: Annotated[str | None, Query(alias="request", pattern=REFERENCE)] = None,
        kind: Reference = None,
    ) -> Page[DocumentRead]:
        """Files clients sent, newest first; a provider sees those for their own bookings only."""
        found, total = page_uploads(
            uow=frontdesk_of(request).uow(),
            staff=staff,
            client_id=client,
            booking_id=booking,
            request_id=request_id,
            kind_id=kind,
            limit=paged.limit,
            offset=paged.offset,
        )
        items = [DocumentRead.model_validate(d, from_attributes=True) for d in found]
        return page(items, total, paged)

    @router.get("/documents/{document_id}", response_model=DocumentRead)
    def read_document(request: Request, staff: StaffMember, document_id: RowId) -> DocumentRead:
        """One sent file's details; the read is audited."""
        document = get_upload(uow=frontdesk_of(request).uow(), staff=staff, document_id=document_id)
        return DocumentRead.model_validate(document, from_attributes=True)

    @router.get(
        "/documents/{document_id}/content",
        response_class=Response,
        responses={200: {"content": {"application/octet-stream": {}}}},
    )
    def download_document(request: Request, staff: StaffMember, document_id: RowId) -> Response:
        """The file as the client sent it, decrypted; every download is audited."""
        document, content = read_upload(
            uow=frontdesk_of(request).uow(), key=key, staff=staff, document_id=document_id
        )
        headers = {**PRIVATE_FILE, "Content-Disposition": attachment(document.filename)}
        return Response(content, media_type=document.content_type, headers=headers)

    @router.get("/document-requests", response_model=Page[DocumentRequestRead])
    def list_document_requests(
        request: Request,
        staff: StaffMember,
        paged: PageQuery,
        booking: Reference = None,
        client: Reference = None,
        status: Literal["requested", "received"] | None = None,
    ) -> Page[DocumentRequestRead]:
        """Documents asked of clients, newest first; a provider, for their own bookings only."""
        found, total = page_document_requests(
            uow=frontdesk_of(request).uow(),
            staff=staff,
            booking_id=booking,
            client_id=client,
            status=status,
            limit=paged.limit,
            offset=paged.offset,
        )
        items = [DocumentRequestRead.model_validate(r, from_attributes=True) for r in found]
        return page(items, total, paged)

    @router.get("/forms", response_model=Page[FormRead])
    def list_forms(
        request: Request,
        staff: StaffMember,
        paged: PageQuery,
        booking: Reference = None,
        client: Reference = None,
    ) -> Page[FormRead]:
        """Forms generated for bookings, newest first; a provider sees their own bookings' only."""
        found, total = page_forms(
            uow=frontdesk_of(request).uow(),
            staff=staff,
            booking_id=booking,
            client_id=client,
            limit=paged.limit,
            offset=paged.offset,
        )
        return page([FormRead.model_validate(f, from_attributes=True) for f in found], total, paged)

    @router.get("/forms/{form_id}", response_model=FormRead)
    def read_form_details(request: Request, staff: StaffMember, form_id: RowId) -> FormRead:
        """One generated form's details; the read is audited."""
        form = get_form(uow=frontdesk_of(request).uow(), staff=staff, form_id=form_id)
        return FormRead.model_validate(form, from_attributes=True)

    @router.get(
        "/forms/{form_id}/content",
        response_class=Response,
        responses={200: {"content": {DOCX: {}}}},
    )
    def download_form(request: Request, staff: StaffMember, form_id: RowId) -> Response:
        """The generated .docx; every download is audited."""
        form = read_form(uow=frontdesk_of(request).uow(), staff=staff, form_id=form_id)
        headers = {**PRIVATE_FILE, "Content-Disposition": attachment(form.filename)}
        return Response(form.content, media_type=DOCX, headers=headers)

    return router
