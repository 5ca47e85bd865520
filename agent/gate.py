"""The confirmation gate: committing tools run only after the client's explicit yes.

The graph pauses with interrupt() carrying the question, and resumes with the client's answer.
The answer is judged here, in code, so no prompt can talk the agent past it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from langchain_core.messages import ToolCall, ToolMessage
from langgraph.types import interrupt

from agent.offline.answers import classify_answer
from domain.booking import changes, drafts, holds
from domain.conversations.language import conversation_language
from domain.kernel.errors import DomainError
from domain.kernel.uow import UnitOfWork
from prompts import render
from tools.booking import parse_start
from tools.context import RunContext, as_result, caller, refusal

ANSWER_BUTTONS = ("Confirm", "Change")


def confirmation_question(
    call: ToolCall, context: RunContext, uow: Callable[[], UnitOfWork]
) -> dict[str, Any]:
    """Describe what the committing call would do; refuse it now if it would be refused."""
    who = caller(context, uow)
    booking_id = str(call["args"].get("booking_id", ""))
    summary = drafts.booking_summary(uow=uow(), actor=who.actor, booking_id=booking_id)
    details = asdict(summary)
    language = conversation_language(uow=uow(), conversation_id=context.conversation_id)
    if call["name"] == "confirm_booking":
        if summary.missing:
            missing = ", ".join(field.replace("_", " ") for field in summary.missing)
            raise DomainError(f"Still missing before booking: {missing}.")
        text = render("confirm_booking", language=language, **details)
    elif call["name"] == "cancel_booking":
        changes.preview_cancel(uow=uow(), actor=who.actor, booking_id=booking_id)
        text = render("confirm_cancel", language=language, **details)
    else:
        new_start = parse_start(str(call["args"].get("new_start", "")))
        changes.preview_reschedule(
            uow=uow(), actor=who.actor, booking_id=booking_id, new_start=new_start
        )
        moved = drafts.describe_start(uow=uow(), booking_id=booking_id, start=new_start)
        text = render("confirm_reschedule", language=language, new_start=moved, **details)
    return {
        "action": call["name"],
        "booking_id": booking_id,
        "question": text,
        # The values are what a button answers, read the same in every language.
        "options": list(ANSWER_BUTTONS),
        "labels": [render(f"buttons/{name}", language=language) for name in ANSWER_BUTTONS],
    }


def ask_then_run(
    call: ToolCall,
    context: RunContext,
    uow: Callable[[], UnitOfWork],
    run: Callable[[ToolCall], ToolMessage],
) -> ToolMessage:
    """Pause for the client's answer; run the call on a yes, report anything else to the model."""
    try:
        question = confirmation_question(call, context, uow)
    except DomainError as error:
        return ToolMessage(refusal(error), tool_call_id=call["id"] or "", name=call["name"])
    answer = str(interrupt(question))
    verdict = classify_answer(answer)
    if verdict == "yes":
        return run(call)
    if verdict == "no" and call["name"] == "confirm_booking":
        who = caller(context, uow)
        holds.release_hold(uow=uow(), actor=who.actor, booking_id=question["booking_id"])
    outcome = {
        "done": False,
        "client_answer": answer,
        "verdict": verdict,
        "note": "Nothing was changed; follow the client's answer.",
    }
    return ToolMessage(as_result(outcome), tool_call_id=call["id"] or "", name=call["name"])
