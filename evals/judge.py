"""Judging a played scenario by the end state, as FORMAT.md defines each `expect` key."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from agent.language.detection import written_in
from domain.booking.census import confirmed_with_zones, every_booking
from domain.clients.records import get_client
from domain.conversations.listing import get_conversation
from domain.documents.inventory import (
    document_request_ids,
    generated_form_ids,
    generated_templates,
    requested_kinds,
)
from domain.kernel.actors import SYSTEM
from domain.kernel.errors import NotFound
from domain.kernel.timefmt import zone
from domain.kernel.uow import UnitOfWork
from domain.models import ConversationStatus
from evals.scenario import Expect

BookingKey = tuple[str, str, str]


@dataclass(frozen=True)
class Verdict:
    passed: bool
    problem: str = ""  # the first unmet expectation, with what was found instead


def active_bookings(uow: UnitOfWork, client_id: str) -> set[BookingKey]:
    """Return a client's confirmed bookings as (service, provider, local start) triples."""
    return {
        (
            b.service_id,
            b.provider_id,
            b.starts_at.astimezone(zone(timezone)).strftime("%Y-%m-%dT%H:%M"),
        )
        for b, timezone in confirmed_with_zones(uow=uow, client_id=client_id)
    }


def all_bookings(uow: UnitOfWork) -> dict[str, tuple[str, str, str, str]]:
    return {
        b.id: (b.client_id, b.status, b.provider_id, b.starts_at.isoformat())
        for b in every_booking(uow=uow)
    }


@dataclass(frozen=True)
class Before:
    """What the database held before the conversation, to tell what it changed or made."""

    bookings: dict[str, tuple[str, str, str, str]]
    document_requests: frozenset[str]
    forms: frozenset[str]


def before_playing(uow: UnitOfWork) -> Before:
    return Before(all_bookings(uow), document_request_ids(uow=uow), generated_form_ids(uow=uow))


def judge(
    expect: Expect,
    *,
    uow: UnitOfWork,
    client_id: str,
    conversation_id: str,
    replies: Sequence[str],
    before: Before,
) -> Verdict:
    """Check every expectation the scenario states; report the first that is not met."""
    checks = [
        _bookings(expect, uow, client_id),
        _documents(expect, uow, client_id, before.document_requests),
        _forms(expect, uow, client_id, before.forms),
        _handoff(expect, uow, conversation_id),
        _profile(expect, uow, client_id),
        _others(expect, uow, client_id, before.bookings),
        _replies(expect, replies),
    ]
    problem = next((p for p in checks if p), "")
    return Verdict(passed=not problem, problem=problem)


def _bookings(expect: Expect, uow: UnitOfWork, client_id: str) -> str:
    if expect.bookings is None:
        return ""
    wanted = {(b.service, b.provider, b.start) for b in expect.bookings}
    found = active_bookings(uow, client_id)
    return "" if found == wanted else f"bookings: expected {sorted(wanted)}, found {sorted(found)}"


def _documents(expect: Expect, uow: UnitOfWork, client_id: str, earlier: frozenset[str]) -> str:
    """The kinds requested in this conversation: requests made before it do not count."""
    if expect.document_requests is None:
        return ""
    requested = requested_kinds(uow=uow, client_id=client_id)
    found = {kind for request_id, kind in requested.items() if request_id not in earlier}
    wanted = set(expect.document_requests)
    return (
        ""
        if found == wanted
        else f"document_requests: expected {sorted(wanted)}, found {sorted(found)}"
    )


def _forms(expect: Expect, uow: UnitOfWork, client_id: str, earlier: frozenset[str]) -> str:
    """The templates generated in this conversation: forms made before it do not count."""
    if expect.forms is None:
        return ""
    generated = generated_templates(uow=uow, client_id=client_id)
    found = {template for form_id, template in generated.items() if form_id not in earlier}
    wanted = set(expect.forms)
    return "" if found == wanted else f"forms: expected {sorted(wanted)}, found {sorted(found)}"


def _handoff(expect: Expect, uow: UnitOfWork, conversation_id: str) -> str:
    if expect.handoff is None:
        return ""
    try:
        status: str = get_conversation(uow=uow, conversation_id=conversation_id).status
    except NotFound:
        status = "none"
    handed = status in (ConversationStatus.WAITING_FOR_HUMAN, ConversationStatus.HUMAN)
    return (
        "" if handed == expect.handoff else f"handoff: expected {expect.handoff}, status {status}"
    )


def _profile(expect: Expect, uow: UnitOfWork, client_id: str) -> str:
    if expect.profile is None:
        return ""
    client = get_client(uow=uow, actor=SYSTEM, client_id=client_id)
    # `language` is the client's own field beside the profile: the language they are answered in.
    profile = {**client.profile, "language": client.language}
    wrong = {k: profile.get(k) for k, v in expect.profile.items() if profile.get(k) != v}
    return "" if not wrong else f"profile: expected {expect.profile}, found {wrong}"


def _others(
    expect: Expect, uow: UnitOfWork, client_id: str, before: dict[str, tuple[str, str, str, str]]
) -> str:
    if not expect.others_unchanged:
        return ""
    now = all_bookings(uow)
    changed = sorted(
        booking_id
        for booking_id in set(before) | set(now)
        if (before.get(booking_id) or now[booking_id])[0] != client_id
        and before.get(booking_id) != now.get(booking_id)
    )
    return "" if not changed else f"others_unchanged: bookings changed {changed}"


def _replies(expect: Expect, replies: Sequence[str]) -> str:
    text = [r.casefold() for r in replies]
    for wanted in expect.replies_contain or []:
        if not any(wanted.casefold() in r for r in text):
            return f"replies_contain: no reply contains {wanted!r}"
    for unwanted in expect.replies_exclude or []:
        if any(unwanted.casefold() in r for r in text):
            return f"replies_exclude: a reply contains {unwanted!r}"
    return _reply_language(expect, replies)


def _reply_language(expect: Expect, replies: Sequence[str]) -> str:
    if expect.reply_language is None:
        return ""
    for reply in replies:
        found = written_in(reply)
        if found is not None and found != expect.reply_language:
            return f"reply_language: expected {expect.reply_language}, found {found} in {reply!r}"
    return ""
