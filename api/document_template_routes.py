"""Form templates (.docx) over REST: staff read and preview them, admins upload and change them."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Request, Response, UploadFile
from pydantic import BaseModel, Field

from api.bootstrap import frontdesk_of
from api.catalog_item_routes import SLUG, tagged_read
from api.conventions import Admin, Changes, IfMatch, Page, PageQuery, StaffMember, page
from api.downloads import DOCX, attachment
from domain.documents.forms import MAX_TEMPLATE_BYTES
from domain.documents.templates import (
    create_document_template,
    document_template_content,
    get_document_template,
    page_document_templates,
    preview_document_template,
    preview_upload,
    replace_document_template_content,
    update_document_template,
)

TemplateFile = Annotated[UploadFile, File(description="A Word document (.docx) with jinja fields")]


class DocumentTemplateUpdate(Changes):
    name: Annotated[str | None, Field(min_length=1, max_length=200)] = None
    archived: bool | None = None


class DocumentTemplateSummary(BaseModel):
    """A template as lists show it; read one for the fields it fills in."""

    id: str
    name: str
    archived: bool
    version: int
    size_bytes: int


class DocumentTemplateRead(DocumentTemplateSummary):
    placeholders: Annotated[
        list[str], Field(description="The fields it fills in, e.g. client.name, booking.start")
    ]


document_template_router = APIRouter(prefix="/document-templates", tags=["templates"])
DOCX_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {DOCX: {}}, "description": "A Word document"}
}


def _uploaded(file: UploadFile) -> bytes:
    # One byte past the limit is enough for the domain to refuse the file by its size.
    return file.file.read(MAX_TEMPLATE_BYTES + 1)


def _docx(content: bytes, filename: str) -> Response:
    return Response(
        content,
        media_type=DOCX,
        headers={"Content-Disposition": attachment(filename)},
    )


@document_template_router.get("", response_model=Page[DocumentTemplateSummary])
def list_document_templates(
    request: Request,
    _: StaffMember,
    paged: PageQuery,
    archived: bool | None = False,
    q: Annotated[str | None, Query(max_length=200, description="Part of the name")] = None,
) -> Page[DocumentTemplateSummary]:
    """Templates by id, without their fields (read one for those); archived ones only when asked
    (`archived=true`, or omit for both)."""
    found, total = page_document_templates(
        uow=frontdesk_of(request).uow(),
        archived=archived,
        search=q,
        limit=paged.limit,
        offset=paged.offset,
    )
    items = [DocumentTemplateSummary.model_validate(t, from_attributes=True) for t in found]
    return page(items, total, paged)


@document_template_router.post("", response_model=DocumentTemplateRead, status_code=201)
def create(
    request: Request,
    response: Response,
    admin: Admin,
    template_id: Annotated[str, Form(alias="id", pattern=SLUG, examples=["consent-form"])],
    name: Annotated[str, Form(min_length=1, max_length=200)],
    file: TemplateFile,
) -> DocumentTemplateRead:
    """Upload a .docx; a field it names that a form does not have is refused by name (422)."""
    template = create_document_template(
        uow=frontdesk_of(request).uow(),
        staff=admin,
        template_id=template_id,
        name=name,
        content=_uploaded(file),
    )
    return tagged_read(DocumentTemplateRead, template, response)


@document_template_router.post("/preview", response_class=Response, responses=DOCX_RESPONSE)
def preview_unsaved(request: Request, admin: Admin, file: TemplateFile) -> Response:
    """Check a .docx as an upload would be, without saving it; return it filled with sample data."""
    uow = frontdesk_of(request).uow()
    return _docx(preview_upload(uow=uow, staff=admin, content=_uploaded(file)), "preview.docx")


@document_template_router.get("/{template_id}", response_model=DocumentTemplateRead)
def read(
    request: Request, response: Response, _: StaffMember, template_id: str
) -> DocumentTemplateRead:
    template = get_document_template(uow=frontdesk_of(request).uow(), template_id=template_id)
    return tagged_read(DocumentTemplateRead, template, response)


@document_template_router.get(
    "/{template_id}/content", response_class=Response, responses=DOCX_RESPONSE
)
def content(request: Request, _: StaffMember, template_id: str) -> Response:
    """The template as a .docx: as uploaded, or made from its paragraphs."""
    uow = frontdesk_of(request).uow()
    return _docx(document_template_content(uow=uow, template_id=template_id), f"{template_id}.docx")


@document_template_router.put("/{template_id}/content", response_model=DocumentTemplateRead)
def replace_content(
    request: Request,
    response: Response,
    admin: Admin,
    version: IfMatch,
    template_id: str,
    file: TemplateFile,
) -> DocumentTemplateRead:
    """Replace the .docx, checked as an upload; `If-Match` must carry the ETag read."""
    template = replace_document_template_content(
        uow=frontdesk_of(request).uow(),
        staff=admin,
        template_id=template_id,
        expected_version=version,
        content=_uploaded(file),
    )
    return tagged_read(DocumentTemplateRead, template, response)


@document_template_router.get(
    "/{template_id}/preview", response_class=Response, responses=DOCX_RESPONSE
)
def preview(request: Request, _: StaffMember, template_id: str) -> Response:
    """The template filled with a made-up client, booking, provider and service."""
    filled = preview_document_template(uow=frontdesk_of(request).uow(), template_id=template_id)
    return _docx(filled, f"{template_id}-preview.docx")


@document_template_router.patch("/{template_id}", response_model=DocumentTemplateRead)
def update(
    request: Request,
    response: Response,
    admin: Admin,
    version: IfMatch,
    template_id: str,
    template_in: DocumentTemplateUpdate,
) -> DocumentTemplateRead:
    """Rename, archive or restore; `If-Match` must carry the ETag read (412 if it changed since)."""
    template = update_document_template(
        uow=frontdesk_of(request).uow(),
        staff=admin,
        template_id=template_id,
        expected_version=version,
        changes=template_in.changes(),
    )
    return tagged_read(DocumentTemplateRead, template, response)


@document_template_router.delete("/{template_id}", response_model=DocumentTemplateRead)
def archive(
    request: Request, response: Response, admin: Admin, version: IfMatch, template_id: str
) -> DocumentTemplateRead:
    """Archive the template: no new forms are made from it; past ones stay. Restore with PATCH."""
    template = update_document_template(
        uow=frontdesk_of(request).uow(),
        staff=admin,
        template_id=template_id,
        expected_version=version,
        changes={"archived": True},
    )
    return tagged_read(DocumentTemplateRead, template, response)
