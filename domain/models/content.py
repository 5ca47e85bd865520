"""Content the practice authors: knowledge entries and document templates."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, LargeBinary, UniqueConstraint
from sqlmodel import Field, SQLModel

from domain.models.types import json_column, utc_column


class KnowledgeEntry(SQLModel, table=True):
    __tablename__ = "knowledge_entries"

    id: str = Field(primary_key=True, max_length=64)
    title: str
    text: str
    translations: dict[str, dict[str, str]] = Field(
        default_factory=dict, sa_column=json_column("{}")
    )
    version: int = 1


class DocumentTemplate(SQLModel, table=True):
    """A form template: an uploaded .docx, or plain paragraphs rendered into one."""

    __tablename__ = "document_templates"

    id: str = Field(primary_key=True, max_length=64)
    name: str
    paragraphs: list[str] = Field(default_factory=list, sa_column=json_column())
    docx: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    archived: bool = False
    version: int = 1


class NotificationTemplate(SQLModel, table=True):
    """An admin's wording for one event on one channel (jinja2); the built-in one otherwise."""

    __tablename__ = "notification_templates"
    __table_args__ = (UniqueConstraint("event", "channel", name="uq_notification_template"),)

    id: int | None = Field(default=None, primary_key=True)
    event: str = Field(max_length=64)
    channel: str = Field(max_length=16)
    subject: str = ""  # email only
    body: str
    version: int = 1
    updated_at: datetime = Field(sa_column=utc_column())
