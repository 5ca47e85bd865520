"""Links to generated forms a client can open without signing in: signed and expiring."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request, Response

from api.bootstrap import frontdesk_of
from api.downloads import DOCX, PRIVATE_FILE, attachment
from domain.documents.inventory import get_generated_form
from domain.kernel.clock import Clock
from domain.kernel.errors import NotFound

LINK_LIFETIME = timedelta(days=7)


@dataclass(frozen=True)
class FormLinks:
    secret: bytes
    clock: Clock

    def url(self, form_id: str) -> str:
        expires = int((self.clock.now() + LINK_LIFETIME).timestamp())
        return f"/forms/{form_id}?expires={expires}&signature={self._sign(form_id, expires)}"

    def valid(self, form_id: str, expires: int, signature: str) -> bool:
        fresh = expires > self.clock.now().timestamp()
        expected = self._sign(form_id, expires).encode()
        return fresh and hmac.compare_digest(signature.encode(), expected)

    def _sign(self, form_id: str, expires: int) -> str:
        message = f"form:{form_id}:{expires}".encode()
        return hmac.new(self.secret, message, hashlib.sha256).hexdigest()


def form_router() -> APIRouter:
    router = APIRouter(tags=["forms"])

    @router.get("/forms/{form_id}", response_class=Response)
    def download_form(
        request: Request,
        form_id: str,
        expires: Annotated[int, Query()],
        signature: Annotated[str, Query(max_length=128)],
    ) -> Response:
        """Download a generated form through the signed link the client was given."""
        links: FormLinks = request.app.state.form_links
        if not links.valid(form_id, expires, signature):
            raise HTTPException(403, "This link is invalid or has expired; ask us for a new one.")
        try:
            form = get_generated_form(uow=frontdesk_of(request).uow(), form_id=form_id)
        except NotFound as missing:
            raise HTTPException(404, missing.message) from None
        # The client's health data: kept by no cache, never read as anything but a download.
        headers = {**PRIVATE_FILE, "Content-Disposition": attachment(form.filename)}
        return Response(form.content, media_type=DOCX, headers=headers)

    return router
