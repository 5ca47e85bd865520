"""Documents asked of a client for a booking, and the forms generated for it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, LargeBinary, UniqueConstraint
from sqlmodel import Field, SQLModel

from domain.models.clients import new_id
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


class GeneratedForm(SQLModel, table=True):
    """A template filled in for one booking: the .docx bytes as they were generated."""

    __tablename__ = "generated_forms"
    __table_args__ = (UniqueConstraint("booking_id", "template_id", name="uq_generated_form"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=64)
    booking_id: str = Field(foreign_key="bookings.id", index=True)
    template_id: str = Field(foreign_key="document_templates.id")
    filename: str
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    created_at: datetime = Field(sa_column=utc_column())
