"""How refusals look over HTTP: `{code, detail[, field]}` or FastAPI's per-field `detail` list."""

from __future__ import annotations

import json
import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException

from domain.documents.sealing import DocumentUnreadable
from domain.documents.uploads import FileTooLarge, UnsupportedFileType
from domain.kernel.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound
from domain.kernel.versioning import StaleVersion

log = logging.getLogger(__name__)

# The first kind an error is an instance of decides (subclasses before their bases).
STATUS_BY_ERROR: dict[type[DomainError], int] = {
    StaleVersion: 412,
    FileTooLarge: 413,
    UnsupportedFileType: 415,
    # Not the caller's doing: the key changed or the stored bytes did.
    DocumentUnreadable: 500,
    NotFound: 404,
    Forbidden: 403,
    InvalidInput: 422,
    Conflict: 409,
}


class AsciiJSONResponse(JSONResponse):
    """JSON escaped to ASCII: a refusal quoting a lone surrogate someone sent still encodes."""

    def render(self, content: Any) -> bytes:
        return json.dumps(content, ensure_ascii=True, separators=(",", ":")).encode()


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def domain_error(_: Request, exc: DomainError) -> JSONResponse:
        # Refusals of a well-formed request (slot taken, policy, transition) are conflicts.
        status = next((s for kind, s in STATUS_BY_ERROR.items() if isinstance(exc, kind)), 409)
        if status >= 500:
            log.error("%s: %s", exc.code, exc.message)
        body = {"code": exc.code, "detail": exc.message}
        if isinstance(exc, InvalidInput) and exc.field:
            body["field"] = exc.field
        return AsciiJSONResponse(body, status_code=status)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_: Request, exc: RequestValidationError) -> JSONResponse:
        # What was sent is not echoed back: it may be a password, and it may not encode.
        problems = [{"loc": e["loc"], "msg": e["msg"], "type": e["type"]} for e in exc.errors()]
        return AsciiJSONResponse({"detail": problems}, status_code=422)

    @app.exception_handler(DataError)
    async def unstorable_value(_: Request, exc: DataError) -> JSONResponse:
        # Valid JSON and a valid string to Python, yet refused by the database: a NUL
        # character in PostgreSQL text, or a number past its column. The transaction is gone.
        return AsciiJSONResponse(
            {
                "code": "invalid_input",
                "detail": "A value in the request cannot be stored or searched for "
                "(a NUL character, or a number too large).",
            },
            status_code=422,
        )

    @app.exception_handler(HTTPException)
    async def http_error(_: Request, exc: HTTPException) -> JSONResponse:
        return AsciiJSONResponse(
            {"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers
        )
