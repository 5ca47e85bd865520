"""How files leave the service: their Content-Disposition and the headers private files carry."""

from __future__ import annotations

from urllib.parse import quote

from domain.documents.filetypes import DOCX as WORD_DOCUMENT

DOCX = WORD_DOCUMENT.content_type
# A client's file must not be kept by caches or reinterpreted by the browser.
PRIVATE_FILE = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}


def attachment(filename: str) -> str:
    """A Content-Disposition for a download: a plain ASCII name, and the real one (RFC 6266)."""
    plain = filename.encode("ascii", "replace").decode().replace("?", "_").replace('"', "_")
    return f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(filename, safe='')}"
