"""The kinds of file a client may send, told apart by their content, never by name or header."""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_FILENAME = 120


@dataclass(frozen=True)
class FileType:
    content_type: str
    extensions: tuple[str, ...]  # the first is the one a renamed file gets

    @property
    def extension(self) -> str:
        return self.extensions[0]


PDF = FileType("application/pdf", (".pdf",))
PNG = FileType("image/png", (".png",))
JPEG = FileType("image/jpeg", (".jpg", ".jpeg"))
WEBP = FileType("image/webp", (".webp",))
HEIC = FileType("image/heic", (".heic", ".heif"))
HEIF = FileType("image/heif", (".heif", ".heic"))
DOCX = FileType(
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document", (".docx",)
)
ACCEPTED_TYPES = (PDF, JPEG, PNG, HEIC, HEIF, WEBP, DOCX)
ACCEPTED = "PDF, JPEG, PNG, HEIC, WEBP or Word (.docx)"

# ISO base media files (HEIC photos from phones) name their brand after "ftyp".
_HEIC_BRANDS = frozenset({b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs"})
_HEIF_BRANDS = frozenset({b"mif1", b"msf1"})
_UNSAFE_IN_NAME = re.compile(r'[\x00-\x1f\x7f"\\/:*?<>|;]+')


def sniff(data: bytes) -> FileType | None:
    """Return the accepted type these bytes are, or None for anything else."""
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return WEBP
    if data[4:8] == b"ftyp":
        brand = data[8:12]
        if brand in _HEIC_BRANDS:
            return HEIC
        if brand in _HEIF_BRANDS:
            return HEIF
    if data.startswith(b"PK\x03\x04") and _is_word_document(data):
        return DOCX
    return None


def _is_word_document(data: bytes) -> bool:
    # Only the archive's directory is read; nothing is decompressed.
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, ValueError, OSError):
        return False
    return {"[Content_Types].xml", "word/document.xml"} <= names


def safe_filename(name: str, file_type: FileType, *, fallback: str) -> str:
    """Return a name fit for a download header: no path, no control characters, right ending.

    A name whose ending does not match the content keeps it and gains the right one.
    """
    base = unicodedata.normalize("NFC", name).replace("\\", "/").rsplit("/", 1)[-1]
    base = _UNSAFE_IN_NAME.sub("_", base).strip(" ._")
    stem, dot, suffix = base.rpartition(".")
    ending = f".{suffix.lower()}"
    if not (dot and ending in file_type.extensions):
        stem, ending = base, file_type.extension
    stem = stem.strip(" ._")[:MAX_FILENAME] or _UNSAFE_IN_NAME.sub("_", fallback)
    return stem + ending
