"""Twilio's webhooks: incoming texts and delivery status callbacks, each proven by its signature."""

from __future__ import annotations

import logging
from collections.abc import Callable
from urllib.parse import parse_qsl

from anyio import to_thread
from fastapi import APIRouter, Request
from fastapi.responses import Response
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from api.bootstrap import SMS_STATUS_PATH, frontdesk_of
from channels.sms.inbound import CHANNEL, SmsDesk, SmsIn
from channels.storable_text import storable
from domain.conversations.receipts import first_delivery, forget_delivery
from domain.kernel.errors import InvalidInput
from domain.notifications.status import record_channel_status

log = logging.getLogger(__name__)
SIGNATURE = "X-Twilio-Signature"
TRY_AGAIN = "Sorry, we could not take that message just now. Please send it again."
INBOUND_PATH = "/sms/inbound"


def sms_router(desk_of: Callable[[], SmsDesk]) -> APIRouter:
    """Twilio's two webhooks; `desk_of` gives the SMS desk the app's lifespan opened."""
    # Not in the REST API's schema: Twilio calls these, and proves itself by signature.
    router = APIRouter(include_in_schema=False)

    @router.post(INBOUND_PATH)
    async def incoming_text(request: Request) -> Response:
        frontdesk = frontdesk_of(request)
        form = await _signed_form(request)
        if isinstance(form, Response):
            return form
        try:
            message = SmsIn.from_form(form)
        except InvalidInput as refusal:
            return Response(refusal.message, status_code=400, media_type="text/plain")
        uow = frontdesk.uow
        sid = message.message_sid
        first = await to_thread.run_sync(
            lambda: first_delivery(uow=uow(), channel=CHANNEL, external_id=sid)
        )
        if not first:
            return _twiml(None)  # Twilio retried a message we took in already
        try:
            reply = await desk_of().answer(message)
        except Exception:
            log.exception("could not take text %s in", sid)
            await to_thread.run_sync(
                lambda: forget_delivery(uow=uow(), channel=CHANNEL, external_id=sid)
            )
            return _twiml(TRY_AGAIN)
        return _twiml(reply)

    @router.post(SMS_STATUS_PATH)
    async def delivery_status(request: Request) -> Response:
        frontdesk = frontdesk_of(request)
        form = await _signed_form(request)
        if isinstance(form, Response):
            return form
        sid, status = form.get("MessageSid", "").strip(), form.get("MessageStatus", "").strip()
        if not sid or not status:
            return Response("MessageSid and MessageStatus are needed.", status_code=400)
        error = form.get("ErrorCode") or None
        known = await to_thread.run_sync(
            lambda: record_channel_status(
                uow=frontdesk.uow(),
                channel=CHANNEL,
                provider_message_id=sid,
                status=status,
                error=error,
            )
        )
        if not known:
            log.info("status %s of message %s: not a notification of ours", status, sid)
        return Response(status_code=204)

    return router


async def _signed_form(request: Request) -> dict[str, str] | Response:
    """The webhook's form when Twilio signed it for our address; else the answer to give."""
    twilio = frontdesk_of(request).settings.twilio
    if twilio is None:
        return Response("SMS is not configured.", status_code=404, media_type="text/plain")
    signature = request.headers.get(SIGNATURE, "")
    if not signature:  # refused before a byte of the body is read
        return _unsigned(request)
    # The signature covers the form's fields, so they are read first: the body is capped by
    # then (api.body_limits), and nothing is acted on until the signature holds.
    body = await request.body()
    try:
        pairs = parse_qsl(body.decode(), keep_blank_values=True, strict_parsing=False)
    except UnicodeDecodeError:
        return Response("The form is not UTF-8.", status_code=400, media_type="text/plain")
    form = _Form(pairs)
    url = _signed_url(request, frontdesk_of(request).settings.public_url)
    if not RequestValidator(twilio.auth_token).validate(url, form, signature):
        return _unsigned(request)
    # Signed as sent; kept as every database can store it (no NUL, no half of a pair).
    return {name: storable(values[-1]) for name, values in form.items()}


def _unsigned(request: Request) -> Response:
    log.warning("refused a webhook to %s: no valid %s", request.url.path, SIGNATURE)
    return Response("Invalid signature.", status_code=403, media_type="text/plain")


def _signed_url(request: Request, public_url: str | None) -> str:
    """The address Twilio signed: ours as the world sees it (behind a proxy), else the request's."""
    if public_url is None:
        return str(request.url)
    query = f"?{request.url.query}" if request.url.query else ""
    return f"{public_url}{request.url.path}{query}"


class _Form(dict[str, list[str]]):
    """Form fields with every value of a repeated name, as RequestValidator reads a MultiDict."""

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        super().__init__()
        for name, value in pairs:
            self.setdefault(name, []).append(value)

    def getall(self, name: str) -> list[str]:
        return self[name]


def _twiml(text: str | None) -> Response:
    response = MessagingResponse()
    if text:
        response.message(text)
    return Response(str(response), media_type="text/xml")
