"""Files clients send for their bookings: checked by content, sealed, linked, recorded.

Every channel (the web chat's upload, a Telegram photo, an MMS) stores through store_upload.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import col, select

from domain.conversations.transcripts import append_entry
from domain.documents.filetypes import ACCEPTED, FileType, safe_filename, sniff
from domain.documents.requests import clients_booking
from domain.documents.sealing import DocumentKey, seal
from domain.kernel.actors import Actor, acts_for
from domain.kernel.errors import InvalidInput, InvalidTransition, NotFound
from domain.kernel.journal import audit
from domain.kernel.uow import UnitOfWork
from domain.models import (
    Booking,
    BookingStatus,
    Conversation,
    ConversationEntry,
    DocumentKind,
    DocumentRequest,
    EntryAuthor,
    UploadedDocument,
    new_id,
)

# Documents are still useful to the practice after the visit; not for a booking that never was.
# Enough for a front and back, a retake and a corrected scan; more is a chat filling the disk.
MAX_FILES_PER_REQUEST = 5
MAX_FILES_PER_BOOKING = 20
_OPEN_FOR_DOCUMENTS = frozenset({BookingStatus.CONFIRMED, BookingStatus.COMPLETED})


class FileTooLarge(InvalidInput):
    code = "file_too_large"


class UnsupportedFileType(InvalidInput):
    code = "unsupported_file_type"


@dataclass(frozen=True)
class Upload:
    """A stored file; `duplicate` when the same bytes had been sent for the same thing before."""

    document: UploadedDocument
    entry: ConversationEntry | None  # the transcript's note of it, when a conversation was named
    duplicate: bool


def check_size(size: int, *, max_bytes: int) -> None:
    """Refuse a file over the limit (callers may check a declared size before reading it)."""
    if size > max_bytes:
        raise file_too_large(max_bytes)


def file_too_large(max_bytes: int) -> FileTooLarge:
    """The refusal of a file over `max_bytes`, however its size came to be known."""
    return FileTooLarge(
        f"That file is too large: files up to {_megabytes(max_bytes)} are accepted.", field="file"
    )


def check_content(data: bytes) -> FileType:
    """Return the file's type as its content shows it; refuse empty and unaccepted files."""
    if not data:
        raise InvalidInput("That file is empty.", field="file")
    file_type = sniff(data)
    if file_type is None:
        raise UnsupportedFileType(
            f"That kind of file is not accepted; please send a {ACCEPTED} file.", field="file"
        )
    return file_type


def store_upload(
    *,
    uow: UnitOfWork,
    key: DocumentKey,
    actor: Actor,
    filename: str,
    data: bytes,
    channel: str,
    max_bytes: int,
    request_id: str | None = None,
    booking_id: str | None = None,
    conversation_id: str | None = None,
) -> Upload:
    """Keep a file the client sent for a document request (or a booking), encrypted.

    The request is marked received; the upload is audited and, when `conversation_id` names
    the client's conversation, noted in its transcript in the same transaction.
    """
    check_size(len(data), max_bytes=max_bytes)
    file_type = check_content(data)
    digest = hashlib.sha256(data).hexdigest()
    with uow:
        request, booking = _destination(uow, actor, request_id, booking_id)
        kind = uow.session.get(DocumentKind, request.kind_id) if request else None
        sent_before = _same_file(uow, booking.id, request, digest)
        if sent_before is not None:
            return Upload(sent_before, None, duplicate=True)
        _refuse_past_the_limit(uow, booking.id, request)
        document_id = new_id()
        document = UploadedDocument(
            id=document_id,
            client_id=booking.client_id,
            booking_id=booking.id,
            request_id=request.id if request else None,
            kind_id=kind.id if kind else None,
            filename=safe_filename(filename, file_type, fallback=kind.id if kind else "document"),
            content_type=file_type.content_type,
            size_bytes=len(data),
            sha256=digest,
            ciphertext=seal(key, data, document_id=document_id, client_id=booking.client_id),
            channel=channel,
            created_at=uow.now(),
        )
        uow.session.add(document)
        if request is not None:
            request.status = "received"
        audit(
            uow,
            actor=actor,
            action="document.uploaded",
            subject_type="document",
            subject_id=document_id,
            details={
                "client_id": booking.client_id,
                "booking_id": booking.id,
                "request_id": document.request_id,
                "kind": document.kind_id,
                "content_type": document.content_type,
                "size_bytes": document.size_bytes,
            },
        )
        entry = _note_in_transcript(uow, conversation_id, document, kind)
        uow.commit()
        return Upload(document, entry, duplicate=False)


def _destination(
    uow: UnitOfWork, actor: Actor, request_id: str | None, booking_id: str | None
) -> tuple[DocumentRequest | None, Booking]:
    """The request and booking a file is for; another client's are "not found"."""
    request = None
    if request_id is not None and booking_id is None:
        request = uow.session.get(DocumentRequest, request_id, with_for_update=True)
        if request is None or not acts_for(actor, request.client_id):
            raise NotFound("No document request with that reference was found.")
        booking = clients_booking(uow, actor, request.booking_id)
    elif booking_id is not None and request_id is None:
        booking = clients_booking(uow, actor, booking_id)
    else:
        raise InvalidInput("Name either the document request or the booking a file is for.")
    if booking.status not in _OPEN_FOR_DOCUMENTS:
        raise InvalidTransition(f"This booking is {booking.status}; it takes no documents.")
    return request, booking


def _refuse_past_the_limit(
    uow: UnitOfWork, booking_id: str, request: DocumentRequest | None
) -> None:
    """Keep one chat from filling the database: a few files per request, per booking."""
    kept = select(func.count()).select_from(UploadedDocument)
    if request is not None:
        kept = kept.where(col(UploadedDocument.request_id) == request.id)
        limit, what = MAX_FILES_PER_REQUEST, "this document"
    else:
        kept = kept.where(col(UploadedDocument.booking_id) == booking_id)
        limit, what = MAX_FILES_PER_BOOKING, "this booking"
    if uow.session.exec(kept).one() >= limit:
        raise InvalidInput(
            f"You have already sent {limit} files for {what}; the practice will contact you "
            "if anything else is needed.",
            field="file",
        )


def _same_file(
    uow: UnitOfWork, booking_id: str, request: DocumentRequest | None, digest: str
) -> UploadedDocument | None:
    query = select(UploadedDocument).where(
        col(UploadedDocument.booking_id) == booking_id, col(UploadedDocument.sha256) == digest
    )
    if request is not None:
        query = query.where(col(UploadedDocument.request_id) == request.id)
    return uow.session.exec(query).first()


def _note_in_transcript(
    uow: UnitOfWork,
    conversation_id: str | None,
    document: UploadedDocument,
    kind: DocumentKind | None,
) -> ConversationEntry | None:
    if conversation_id is None:
        return None
    conversation = uow.session.get(Conversation, conversation_id)
    if conversation is None or conversation.client_id != document.client_id:
        return None  # not this client's conversation: nothing of theirs is written there
    what = kind.name if kind else "a document"
    return append_entry(
        uow,
        conversation,
        EntryAuthor.CLIENT,
        f"Sent {what}: {document.filename}",
        extra={
            "upload": {
                "document_id": document.id,
                "request_id": document.request_id,
                "kind_id": document.kind_id,
                "filename": document.filename,
            }
        },
    )


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):g} MB"


@dataclass(frozen=True)
class Wanted:
    request_id: str
    name: str


def wanted_document(uow: UnitOfWork, client_id: str, caption: str) -> Wanted | None:
    """Which request a file sent without an upload control answers (a Telegram photo, an MMS).

    One the caption names, else the first of the latest booking's; requests still open come
    before those already answered (a retake of a blurred photo).
    """
    with uow.reading() as reader:
        rows = reader.session.exec(
            select(DocumentRequest, DocumentKind)
            .join(Booking, col(Booking.id) == col(DocumentRequest.booking_id))
            .join(DocumentKind, col(DocumentKind.id) == col(DocumentRequest.kind_id))
            .where(
                DocumentRequest.client_id == client_id,
                Booking.client_id == client_id,
                Booking.status == BookingStatus.CONFIRMED,
            )
            .order_by(col(Booking.created_at).desc(), col(DocumentRequest.created_at))
        ).all()
    if not rows:
        return None
    ordered = sorted(rows, key=lambda row: row[0].status != "requested")  # stable: keeps order
    words = caption.lower()
    for request, kind in ordered:
        if words and (kind.name.lower() in words or kind.id.replace("_", " ") in words):
            return Wanted(request.id, kind.name)
    latest = rows[0][0].booking_id
    request, kind = next((r, k) for r, k in ordered if r.booking_id == latest)
    return Wanted(request.id, kind.name)
