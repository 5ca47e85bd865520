"""Tools that hold, change, confirm, cancel and move bookings, and what follows a booking."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from datetime import datetime
from functools import wraps
from typing import Any

from langchain_core.tools import BaseTool, StructuredTool
from pydantic import BaseModel

from domain.booking import changes, confirmation, drafts, holds, reading, references
from domain.documents import requests as documents
from domain.kernel.errors import DomainError, InvalidInput
from tools.context import Runtime, ToolDeps, as_result, caller, refusal
from tools.schemas import (
    BookingRefIn,
    NoArgs,
    PrefillBookingIn,
    RescheduleIn,
    UpdateBookingDraftIn,
)

# The tools that change a booking for good: the graph runs them only after the client said yes.
COMMITTING = frozenset({"confirm_booking", "cancel_booking", "reschedule_booking"})


def translating_errors(tool: Callable[..., str]) -> Callable[..., str]:
    """Hand domain refusals back to the model as results, never as crashes."""

    @wraps(tool)
    def guarded(*args: Any, **kwargs: Any) -> str:
        try:
            return tool(*args, **kwargs)
        except DomainError as error:
            return refusal(error)

    return guarded


def parse_start(text: str) -> datetime:
    try:
        start = datetime.fromisoformat(text)
    except ValueError as exc:
        raise InvalidInput(f"{text!r} is not a start time from check_slots.") from exc
    if start.tzinfo is None:
        raise InvalidInput("Use the start exactly as check_slots gave it, with its offset.")
    return start


def structured(
    name: str, description: str, schema: type[BaseModel], func: Callable[..., str]
) -> BaseTool:
    return StructuredTool.from_function(
        func=translating_errors(func),
        name=name,
        description=description,
        # langchain-core calls a tool whose schema has no fields with no arguments at all, so
        # not with its runtime either: such a tool's schema is read from its signature.
        args_schema=schema if schema.model_fields else None,
    )


def make_booking_tools(deps: ToolDeps) -> list[BaseTool]:
    """Build the booking tools over the given services."""

    def prefill_booking(
        provider_id: str, service_id: str, start: str, tool_call_id: str, runtime: Runtime
    ) -> str:
        who = caller(runtime.context, deps.uow)
        hold = holds.hold_slot(
            uow=deps.uow(),
            actor=who.actor,
            client_id=str(who.client_id),
            provider_id=provider_id,
            service_id=service_id,
            start=parse_start(start),
            idempotency_key=f"{who.conversation_id}:{tool_call_id}",
        )
        summary = drafts.booking_summary(uow=deps.uow(), actor=who.actor, booking_id=hold.id)
        return as_result(asdict(summary))

    def update_booking_draft(
        booking_id: str,
        tool_call_id: str,
        runtime: Runtime,
        new_start: str | None = None,
        values: dict[str, str] | None = None,
    ) -> str:
        who = caller(runtime.context, deps.uow)
        if values:
            drafts.fill_intake(
                uow=deps.uow(), actor=who.actor, booking_id=booking_id, values=values
            )
        if new_start:
            moved = holds.move_hold(
                uow=deps.uow(),
                actor=who.actor,
                booking_id=booking_id,
                new_start=parse_start(new_start),
                idempotency_key=f"{who.conversation_id}:{tool_call_id}",
            )
            booking_id = moved.id
        summary = drafts.booking_summary(uow=deps.uow(), actor=who.actor, booking_id=booking_id)
        return as_result(asdict(summary))

    def confirm_booking(booking_id: str, runtime: Runtime) -> str:
        who = caller(runtime.context, deps.uow)
        confirmation.confirm_booking(uow=deps.uow(), actor=who.actor, booking_id=booking_id)
        summary = drafts.booking_summary(uow=deps.uow(), actor=who.actor, booking_id=booking_id)
        return as_result(asdict(summary))

    def list_bookings(runtime: Runtime) -> str:
        who = caller(runtime.context, deps.uow)
        found = reading.list_client_bookings(
            uow=deps.uow(), actor=who.actor, client_id=str(who.client_id)
        )
        return as_result(
            [
                asdict(drafts.booking_summary(uow=deps.uow(), actor=who.actor, booking_id=b.id))
                | {"provider_id": b.provider_id, "service_id": b.service_id}
                for b in found
            ]
        )

    def cancel_booking(booking_id: str, runtime: Runtime) -> str:
        who = caller(runtime.context, deps.uow)
        booking_id = references.booking_id_for(uow=deps.uow(), actor=who.actor, quoted=booking_id)
        changes.cancel_booking(uow=deps.uow(), actor=who.actor, booking_id=booking_id)
        summary = drafts.booking_summary(uow=deps.uow(), actor=who.actor, booking_id=booking_id)
        return as_result(asdict(summary))

    def reschedule_booking(booking_id: str, new_start: str, runtime: Runtime) -> str:
        who = caller(runtime.context, deps.uow)
        booking_id = references.booking_id_for(uow=deps.uow(), actor=who.actor, quoted=booking_id)
        changes.reschedule_booking(
            uow=deps.uow(), actor=who.actor, booking_id=booking_id, new_start=parse_start(new_start)
        )
        summary = drafts.booking_summary(uow=deps.uow(), actor=who.actor, booking_id=booking_id)
        return as_result(asdict(summary))

    def request_documents(booking_id: str, runtime: Runtime) -> str:
        who = caller(runtime.context, deps.uow)
        booking_id = references.booking_id_for(uow=deps.uow(), actor=who.actor, quoted=booking_id)
        requested = documents.request_documents(
            uow=deps.uow(), actor=who.actor, booking_id=booking_id
        )
        return as_result([asdict(r) for r in requested])

    def generate_form(booking_id: str, runtime: Runtime) -> str:
        who = caller(runtime.context, deps.uow)
        booking_id = references.booking_id_for(uow=deps.uow(), actor=who.actor, quoted=booking_id)
        forms = documents.generate_forms(uow=deps.uow(), actor=who.actor, booking_id=booking_id)
        return as_result(
            [{"template_id": f.template_id, "filename": f.filename, "id": f.id} for f in forms]
        )

    return [
        structured(
            "prefill_booking",
            "Hold a free start; returns the summary to show, with missing intake fields.",
            PrefillBookingIn,
            prefill_booking,
        ),
        structured(
            "update_booking_draft",
            "Save intake answers to a held draft, or move it to another start.",
            UpdateBookingDraftIn,
            update_booking_draft,
        ),
        structured(
            "confirm_booking",
            "Book a held draft; the client is asked to confirm first.",
            BookingRefIn,
            confirm_booking,
        ),
        structured("list_bookings", "List the client's upcoming bookings.", NoArgs, list_bookings),
        structured(
            "cancel_booking",
            "Cancel a booking; the client is asked to confirm first.",
            BookingRefIn,
            cancel_booking,
        ),
        structured(
            "reschedule_booking",
            "Move a booking; the client is asked to confirm first.",
            RescheduleIn,
            reschedule_booking,
        ),
        structured(
            "request_documents",
            "Request the documents a confirmed booking needs.",
            BookingRefIn,
            request_documents,
        ),
        structured(
            "generate_form",
            "Generate a confirmed booking's pre-filled forms.",
            BookingRefIn,
            generate_form,
        ),
    ]
