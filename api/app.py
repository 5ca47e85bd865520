"""The FastAPI application factory."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from pathlib import Path

from anyio import to_thread
from fastapi import FastAPI
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy import text

import channels.web
from api.analytics_routes import analytics_router
from api.audit_routes import audit_router
from api.auth import StaffTokens, auth_router, staff_and_time_left
from api.body_limits import BodyLimits, LimitRequestBodies
from api.booking_routes import booking_router
from api.bootstrap import Frontdesk, Serving
from api.calendar_routes import calendar_router
from api.catalog_routes import catalog_router
from api.category_routes import category_router
from api.client_routes import client_router
from api.conversation_routes import conversation_router
from api.document_kind_routes import document_kind_router
from api.document_routes import document_router
from api.document_template_routes import document_template_router
from api.entra import EntraTokens, is_entra_token
from api.errors import install_error_handlers
from api.form_links import FormLinks, form_router
from api.knowledge_routes import knowledge_router
from api.knowledge_sync import KnowledgeSync
from api.log_masking import mask_secrets_in_logs
from api.microsoft_sign_in import microsoft_sign_in_router
from api.notification_routes import notification_router
from api.notification_template_routes import notification_template_router
from api.nul_guard import RefuseNulCharacters
from api.page_headers import PAGE_HEADERS
from api.password_routes import password_router
from api.practice_routes import practice_router
from api.preference_routes import preference_router
from api.provider_routes import provider_router
from api.schedule_routes import schedule_router
from api.service_routes import service_router
from api.sign_in_bounds import SignInBounds
from api.sms_routes import sms_router
from api.staff_routes import staff_router
from api.telegram_routes import running_telegram, telegram_router
from api.upload_routes import upload_router
from channels.hub import Hub
from channels.log_courier import deliver_codes_to_log
from channels.relay import Signal
from channels.sms.inbound import SmsDesk
from channels.web.chat_socket import chat_router
from channels.web.console_socket import ACCESS_ENDED, console_router, staff_topic
from domain.models import StaffUser
from domain.staff.accounts import list_staff
from knowledge.entries import Kind, entries_from_database

STATIC = Path(channels.web.__file__).parent / "static"


def hear_other_processes_of(serving: Serving, sync: KnowledgeSync, frontdesk: Frontdesk) -> None:
    """What other processes announce and this one's sockets and index must know."""
    relay, bus = serving.hub.relay, serving.hub.bus

    async def knowledge_changed(signal: Signal) -> None:
        kind: Kind = "service" if signal.get("kind") == "service" else "knowledge"
        entry_id = str(signal["id"])
        await to_thread.run_sync(lambda: sync.refresh(kind, entry_id, announce=False))

    async def access_ended(signal: Signal) -> None:
        bus.publish(staff_topic(str(signal["s"])), {"type": ACCESS_ENDED})

    async def reindex() -> None:
        # Changes announced while this process was not listening were missed: read them all.
        entries = await to_thread.run_sync(lambda: entries_from_database(frontdesk.uow()))
        await to_thread.run_sync(lambda: serving.knowledge.reindex(entries))

    relay.handle("knowledge", knowledge_changed)
    relay.handle(ACCESS_ENDED, access_ended)
    relay.on_reconnect(reindex)


def create_app(frontdesk: Frontdesk) -> FastAPI:
    """Build the HTTP app around an already composed Frontdesk; the agent opens at startup."""
    tokens = StaffTokens(frontdesk.secret_key, frontdesk.clock)
    links = FormLinks(frontdesk.secret_key, frontdesk.clock)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        mask_secrets_in_logs()  # after uvicorn has set its loggers up
        async with frontdesk.serving(form_url=links.url) as serving:
            relay = serving.hub.relay
            app.state.knowledge = sync = KnowledgeSync(
                serving.knowledge,
                frontdesk.uow,
                announce=lambda kind, entry_id: relay.send("knowledge", kind=kind, id=entry_id),
            )
            hear_other_processes_of(serving, sync, frontdesk)
            app.state.serving = serving
            courier = asyncio.create_task(
                deliver_codes_to_log(frontdesk.uow, couriers=frontdesk.courier_channels)
            )
            try:
                async with running_telegram(app, serving):
                    yield
            finally:
                courier.cancel()
                with suppress(asyncio.CancelledError):
                    await courier
        frontdesk.close()

    # One per app: it fetches and caches the tenant's keys, for API calls and the console's flow.
    entra = (
        EntraTokens(frontdesk.settings.entra, frontdesk.clock) if frontdesk.settings.entra else None
    )
    app = FastAPI(title="Frontdesk", version="0.1.0", lifespan=lifespan)
    app.state.frontdesk = frontdesk
    app.state.tokens = tokens
    app.state.sign_in_bounds = SignInBounds()
    app.state.form_links = links
    app.include_router(catalog_router, prefix="/api/v1")
    app.include_router(auth_router(), prefix="/api/v1")
    app.include_router(password_router(str(STATIC)))
    app.include_router(staff_router, prefix="/api/v1")
    app.include_router(microsoft_sign_in_router(frontdesk, entra), prefix="/api/v1")
    app.include_router(conversation_router, prefix="/api/v1")
    app.include_router(client_router, prefix="/api/v1")
    app.include_router(practice_router, prefix="/api/v1")
    app.include_router(preference_router, prefix="/api/v1")
    app.include_router(booking_router, prefix="/api/v1")
    app.include_router(audit_router, prefix="/api/v1")
    app.include_router(analytics_router, prefix="/api/v1")
    app.include_router(category_router, prefix="/api/v1")
    app.include_router(service_router, prefix="/api/v1")
    app.include_router(provider_router, prefix="/api/v1")
    app.include_router(schedule_router, prefix="/api/v1")
    app.include_router(calendar_router, prefix="/api/v1")
    app.include_router(document_kind_router, prefix="/api/v1")
    app.include_router(knowledge_router, prefix="/api/v1")
    app.include_router(document_template_router, prefix="/api/v1")
    app.include_router(notification_template_router, prefix="/api/v1")
    app.include_router(notification_router, prefix="/api/v1")
    app.include_router(form_router())
    app.include_router(document_router(frontdesk.keyring), prefix="/api/v1")
    app.include_router(upload_router(frontdesk.document_key))
    if frontdesk.settings.telegram is not None:
        app.include_router(telegram_router(frontdesk.settings.telegram.webhook_secret))

    def live_hub() -> Hub:
        serving: Serving = app.state.serving
        return serving.hub

    def live_sms_desk() -> SmsDesk:
        serving: Serving = app.state.serving
        if serving.sms_desk is None:  # the webhooks refuse texts before asking, without Twilio
            raise RuntimeError("SMS is not configured")
        return serving.sms_desk

    def authenticate(token: str) -> tuple[StaffUser, float]:
        """Our own tokens, or Microsoft Entra ID's when it is configured."""
        if entra is not None and is_entra_token(token):
            return entra.staff_and_time_left(frontdesk.uow(), token)
        return staff_and_time_left(frontdesk.uow(), tokens, token)

    app.state.identify_staff = authenticate

    def end_consoles_of(staff_id: str) -> None:
        """Close the console sockets, in every process, of an account whose tokens all ended."""
        live_hub().bus.publish(staff_topic(staff_id), {"type": ACCESS_ENDED})
        live_hub().relay.send(ACCESS_ENDED, s=staff_id)

    app.state.end_consoles_of = end_consoles_of

    async def colleagues() -> list[StaffUser]:
        return await to_thread.run_sync(lambda: list_staff(uow=frontdesk.uow()))

    app.include_router(chat_router(live_hub, public_url=frontdesk.settings.public_url))
    app.include_router(sms_router(live_sms_desk))
    app.include_router(console_router(live_hub, authenticate, colleagues))
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    install_error_handlers(app)
    app.add_middleware(RefuseNulCharacters)
    # Added last, so it runs first: no body is read past its limit, not even by the NUL guard.
    settings = frontdesk.settings
    limits = BodyLimits.of(
        api_bytes=settings.max_request_bytes,
        upload_bytes=settings.max_upload_bytes,
        webhook_bytes=settings.max_webhook_bytes,
    )
    app.add_middleware(LimitRequestBodies, limits=limits)

    @app.get("/", include_in_schema=False)
    def web_chat() -> FileResponse:
        return FileResponse(STATIC / "chat.html", headers=PAGE_HEADERS)

    @app.get("/console", include_in_schema=False)
    def provider_console() -> FileResponse:
        return FileResponse(STATIC / "console.html", headers=PAGE_HEADERS)

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
