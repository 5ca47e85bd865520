"""Documents asked of a client for a booking, and the forms generated for it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, LargeBinary, UniqueConstraint
from sqlmodel import Field, SQLModel

from domain.models.clients import new_id
from domain.models.sealed import sealed_column, watch_sealed_rows
from domain.models.types import utc_column


class DocumentRequest(SQLModel, table=True):
    __tablename__ = "document_requests"
    __table_args__ = (UniqueConstraint("booking_id", "kind_id", name="uq_document_request"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=64)
    booking_id: str = Field(foreign_key="bookings.id", index=True)
    client_id: str = Field(foreign_key="clients.id", index=True)
    kind_id: str = Field(foreign_key="document_kinds.id")
    status: str = Field(default="requested", max_length=16)  # requested | received
    created_at: datetime = Field(sa_column=utc_column())


@watch_sealed_rows
class GeneratedForm(SQLModel, table=True):
    """A template filled in for one booking: the .docx bytes as they were generated."""

    __tablename__ = "generated_forms"
    __table_args__ = (UniqueConstraint("booking_id", "template_id", name="uq_generated_form"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=64)
    booking_id: str = Field(foreign_key="bookings.id", index=True)
    template_id: str = Field(foreign_key="document_templates.id")
    filename: str
    content: bytes = Field(sa_column=sealed_column("generated_forms.content", codec="bytes"))
    created_at: datetime = Field(sa_column=utc_column())


class UploadedDocument(SQLModel, table=True):
    """A file a client sent: checked by content, kept encrypted (AES-GCM) in `ciphertext`."""

    __tablename__ = "uploaded_documents"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=64)
    client_id: str = Field(foreign_key="clients.id", index=True)
    booking_id: str | None = Field(default=None, foreign_key="bookings.id", index=True)
    request_id: str | None = Field(default=None, foreign_key="document_requests.id", index=True)
    kind_id: str | None = Field(default=None, foreign_key="document_kinds.id")
    filename: str = Field(max_length=255)
    content_type: str = Field(max_length=100)
    size_bytes: int
    sha256: str = Field(max_length=64)  # of the plaintext, to spot the same file sent twice
    # The 12-byte nonce followed by the AES-GCM ciphertext and tag.
    ciphertext: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    channel: str = Field(default="web", max_length=16)
    created_at: datetime = Field(sa_column=utc_column())
