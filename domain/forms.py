"""Rendering form templates into .docx: uploaded documents and plain-paragraph templates alike."""

from __future__ import annotations

import io
from typing import Any

import docx
from docxtpl import DocxTemplate
from jinja2 import Environment, StrictUndefined, UndefinedError

from domain.errors import InvalidInput
from domain.models import DocumentTemplate


def template_document(template: DocumentTemplate) -> bytes:
    """Return the template as .docx bytes; paragraph templates become one paragraph each."""
    if template.docx is not None:
        return template.docx
    document = docx.Document()
    for paragraph in template.paragraphs:
        document.add_paragraph(paragraph)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def render_form(template: DocumentTemplate, context: dict[str, Any]) -> bytes:
    """Fill a template with the booking's data; a field it names that we lack is refused by name."""
    # StrictUndefined: a blank where a date of birth belongs is worse than no form at all.
    # autoescape: client-typed text must not be able to inject Word XML.
    environment = Environment(undefined=StrictUndefined, autoescape=True)
    document = DocxTemplate(io.BytesIO(template_document(template)))
    try:
        document.render(context, jinja_env=environment)
    except UndefinedError as exc:
        raise InvalidInput(
            f"The form '{template.name}' needs data we do not have: {exc.message}"
        ) from exc
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
