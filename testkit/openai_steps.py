"""Scripted model answers that use what the request tells: ids and starts tools gave.

A model reads them from the tool results the request carries or, once the turn that found them
has left the window, from the dialogue state; so do these (testkit/openai_script.py).
"""

from __future__ import annotations

from collections.abc import Callable

from testkit.openai_script import (
    Json,
    Step,
    calls,
    completion,
    known_booking,
    last_result,
    offered_start,
    tool_call,
)


def prefill(local_start: str) -> Callable[[Json], Json]:
    """Hold the offered start at this local time."""

    def step(body: Json) -> Json:
        provider_id, service_id, start = offered_start(body, local_start)
        args = {"provider_id": provider_id, "service_id": service_id, "start": start}
        return calls(tool_call("prefill_booking", args))

    return step


def on_booking(tool: str, source: str) -> Callable[[Json], Json]:
    """Call `tool` on the booking the latest `source` result names."""

    def step(body: Json) -> Json:
        return calls(tool_call(tool, {"booking_id": last_result(body, source)["booking_id"]}))

    return step


def on_service(tool: str, service: str, **args: object) -> Callable[[Json], Json]:
    """Call `tool` on the latest booking of this service the request tells of."""

    def step(body: Json) -> Json:
        return calls(tool_call(tool, {"booking_id": known_booking(body, service), **args}))

    return step


def after_confirmation(body: Json) -> Json:
    booking_id = last_result(body, "confirm_booking")["booking_id"]
    return calls(
        tool_call("request_documents", {"booking_id": booking_id}),
        tool_call("generate_form", {"booking_id": booking_id}),
    )


def move_gp_visit(body: Json) -> Json:
    _, _, start = offered_start(body, "2026-03-05T15:00")
    booking_id = known_booking(body, "General practitioner visit")
    return calls(tool_call("reschedule_booking", {"booking_id": booking_id, "new_start": start}))


def move_draft(local_start: str, service: str) -> Callable[[Json], Json]:
    """Move the held draft of this service to another offered start."""

    def step(body: Json) -> Json:
        _, _, start = offered_start(body, local_start)
        booking_id = known_booking(body, service)
        return calls(
            tool_call("update_booking_draft", {"booking_id": booking_id, "new_start": start})
        )

    return step


def slots(**args: object) -> Json:
    return calls(tool_call("check_slots", args))


def knowledge(query: str, answer: str) -> list[Step]:
    return [calls(tool_call("search_knowledge", {"query": query})), completion(answer)]
