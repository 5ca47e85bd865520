"""The web chat's file upload: a client sends a document they were asked for."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from anyio import to_thread
from fastapi import APIRouter, Request
from pydantic import BaseModel
from starlette.datastructures import FormData, UploadFile

from api.bootstrap import Frontdesk, frontdesk_of
from api.conventions import REFERENCE, hub_of
from channels.presenting import entry_json
from channels.web.chat_socket import SESSION, session_address
from domain.clients.records import find_client_by_identity
from domain.conversations.transcripts import find_conversation
from domain.documents.filetypes import ACCEPTED_TYPES
from domain.documents.sealing import DocumentKey
from domain.documents.uploads import Upload, store_upload
from domain.kernel.actors import client_actor
from domain.kernel.errors import InvalidInput, NotFound


class ChatUploadRead(BaseModel):
    id: str
    request_id: str | None
    booking_id: str | None
    kind_id: str | None
    filename: str
    content_type: str
    size_bytes: int
    created_at: datetime
    duplicate: bool  # the same file had been sent for this request before; nothing was added
    # The transcript's note of it, as the chat socket sends entries (none for a duplicate).
    entry: dict[str, Any] | None


class UploadRulesRead(BaseModel):
    """What the chat page may offer to send, so it can refuse a file before sending it."""

    max_bytes: int
    content_types: list[str]
    extensions: list[str]


_FORM = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["session", "request_id", "file"],
                    "properties": {
                        "session": {"type": "string", "description": "The chat's session token"},
                        "request_id": {"type": "string", "description": "The document request"},
                        "file": {"type": "string", "format": "binary"},
                    },
                }
            }
        },
    }
}


def upload_router(key: DocumentKey) -> APIRouter:
    """The upload route; files are sealed with `key` (read at startup, so a bad one stops it)."""
    router = APIRouter(tags=["web chat"])

    @router.get("/chat/uploads/rules", response_model=UploadRulesRead)
    def rules(request: Request) -> UploadRulesRead:
        """What the chat may send: the size limit and the accepted kinds of file."""
        return UploadRulesRead(
            max_bytes=frontdesk_of(request).settings.max_upload_bytes,
            content_types=sorted({t.content_type for t in ACCEPTED_TYPES}),
            extensions=sorted({e for t in ACCEPTED_TYPES for e in t.extensions}),
        )

    @router.post(
        "/chat/uploads",
        status_code=201,
        response_model=ChatUploadRead,
        openapi_extra=_FORM,
        responses={
            404: {"description": "No such request for this chat's client"},
            413: {"description": "The file is over the size limit"},
            415: {"description": "Not a PDF, image or Word file (judged by content)"},
        },
    )
    async def upload(request: Request) -> Any:
        """Send a file for a document request, as the client of the chat session named."""
        frontdesk = frontdesk_of(request)
        max_bytes = frontdesk.settings.max_upload_bytes
        # The body, declared or chunked, is bounded before it gets here (api.body_limits).
        async with request.form(max_files=1, max_fields=3) as form:
            session, request_id = _text(form, "session"), _text(form, "request_id")
            sent = form.get("file")
            if not isinstance(sent, UploadFile):
                raise InvalidInput("Attach the file to send.", field="file")
            if not SESSION.match(session):
                raise InvalidInput("This chat session is not valid.", field="session")
            if not re.match(REFERENCE, request_id):
                raise InvalidInput("That is not a document request's id.", field="request_id")
            data = await sent.read(max_bytes + 1)
            filename = sent.filename or ""
        address = session_address(session)
        upload = await to_thread.run_sync(
            lambda: _store(frontdesk, key, address, request_id, filename, data, max_bytes)
        )
        entry = None
        if upload.entry is not None:
            entry = entry_json(upload.entry)
            # Consoles watching the conversation see the file arrive.
            hub_of(request).publish_entry(upload.entry.conversation_id, entry)
        document = upload.document.model_dump(exclude={"ciphertext"})
        return ChatUploadRead.model_validate(
            {**document, "duplicate": upload.duplicate, "entry": entry}
        )

    return router


def _store(
    frontdesk: Frontdesk,
    key: DocumentKey,
    address: str,
    request_id: str,
    filename: str,
    data: bytes,
    max_bytes: int,
) -> Upload:
    client = find_client_by_identity(uow=frontdesk.uow(), channel="web", address=address)
    if client is None:
        raise NotFound("No document request with that reference was found for this chat.")
    conversation = find_conversation(uow=frontdesk.uow(), channel="web", address=address)
    return store_upload(
        uow=frontdesk.uow(),
        key=key,
        actor=client_actor(client.id, "web"),
        request_id=request_id,
        filename=filename,
        data=data,
        channel="web",
        max_bytes=max_bytes,
        conversation_id=conversation.id if conversation else None,
    )


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"The form needs a '{name}' field.", field=name)
    return value.strip()
