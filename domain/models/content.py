"""Content the practice authors: knowledge entries and document templates."""

from __future__ import annotations

from sqlalchemy import Column, LargeBinary
from sqlmodel import Field, SQLModel

from domain.models.types import json_column


class KnowledgeEntry(SQLModel, table=True):
    __tablename__ = "knowledge_entries"

    id: str = Field(primary_key=True, max_length=64)
    title: str
    text: str


class DocumentTemplate(SQLModel, table=True):
    """A form template: an uploaded .docx, or plain paragraphs rendered into one."""

    __tablename__ = "document_templates"

    id: str = Field(primary_key=True, max_length=64)
    name: str
    paragraphs: list[str] = Field(default_factory=list, sa_column=json_column())
    docx: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
