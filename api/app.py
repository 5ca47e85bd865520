"""The FastAPI application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse
from sqlalchemy import text

from api.bootstrap import Frontdesk
from api.catalog_routes import catalog_router
from domain.errors import DomainError, Forbidden, InvalidInput, NotFound

STATUS_BY_ERROR: dict[type[DomainError], int] = {NotFound: 404, Forbidden: 403, InvalidInput: 422}


def create_app(frontdesk: Frontdesk) -> FastAPI:
    """Build the HTTP app around an already composed Frontdesk."""

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        frontdesk.close()

    app = FastAPI(title="Frontdesk", version="0.1.0", lifespan=lifespan)
    app.state.frontdesk = frontdesk
    app.include_router(catalog_router, prefix="/api/v1")

    @app.exception_handler(DomainError)
    async def domain_error(_: Request, exc: DomainError) -> JSONResponse:
        # Refusals of a well-formed request (slot taken, policy, transition) are conflicts.
        status = next((s for kind, s in STATUS_BY_ERROR.items() if isinstance(exc, kind)), 409)
        return JSONResponse({"code": exc.code, "detail": exc.message}, status_code=status)

    @app.get("/", include_in_schema=False)
    def home() -> RedirectResponse:
        # Until the web chat is served here, the API documentation is the front page.
        return RedirectResponse("/docs")

    @app.get("/healthz", tags=["ops"])
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", tags=["ops"])
    def readyz() -> JSONResponse:
        try:
            with frontdesk.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception as exc:
            return JSONResponse({"status": "unavailable", "detail": str(exc)}, status_code=503)
        return JSONResponse({"status": "ready"})

    return app
