"""Read-only tools: find providers, free slots and answers; and ask for a person."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from langchain_core.runnables import RunnableConfig
from langchain_core.tools import BaseTool
from rapidfuzz import fuzz

from domain.catalog import reading as catalog
from domain.conversations import handoff, notes
from domain.conversations import opening as conversations
from domain.kernel.errors import InvalidInput
from domain.kernel.timefmt import format_when, zone
from domain.kernel.uow import UnitOfWork
from domain.models import Provider, Service
from domain.scheduling.calendars import practice_policies
from domain.scheduling.refusals import why_none_free, why_not_free
from domain.scheduling.slots import ProviderSlots, SlotQuery, search_slots
from tools.booking import structured
from tools.context import Runtime, ToolDeps, as_result, caller
from tools.schemas import (
    CheckSlotsIn,
    HandoffIn,
    NoteForPracticeIn,
    SearchKnowledgeIn,
    SearchProvidersIn,
)

# How close a need must come to a service description to count (cosine similarity).
NEED_MATCH = 0.2
NAME_MATCH = 80


def _plain(text: str) -> str:
    return re.sub(r"[^\w\s]", " ", text.casefold()).strip()


_TITLES = frozenset({"dr", "doctor", "prof", "mr", "mrs", "ms", "miss", "herr", "frau"})


def _names_fit(wanted: str, name: str) -> bool:
    """Tell whether a name as a client writes it is this provider's: any case, with or without
    a title or first name, with a small typo ("dr nguen" is Dr. Daniel Nguyen)."""
    said = [word for word in _plain(wanted).split() if word not in _TITLES]
    if not said:
        return False
    if fuzz.token_set_ratio(" ".join(said), _plain(name)) >= NAME_MATCH:
        return True
    parts = _plain(name).split()
    return all(max(fuzz.ratio(word, part) for part in parts) >= NAME_MATCH for word in said)


def _similar(wanted: str, *candidates: str) -> bool:
    return any(fuzz.partial_ratio(_plain(wanted), _plain(c)) >= NAME_MATCH for c in candidates if c)


def _service_payload(service: Service) -> dict[str, Any]:
    return {
        "service_id": service.id,
        "name": service.name,
        "price": service.price,
        "currency": service.currency,
        "duration_min": service.duration_min,
    }


def make_search_tools(deps: ToolDeps) -> list[BaseTool]:
    """Build the read-only tools over the given services."""

    def search_providers(
        config: RunnableConfig,
        need: str | None = None,
        specialty: str | None = None,
        service_id: str | None = None,
        provider_name: str | None = None,
        location: str | None = None,
    ) -> str:
        fits: dict[str, float] = {}
        if need:
            fits = {
                hit.id: hit.score
                for hit in deps.knowledge.search(need, k=3, kind="service")
                if hit.score >= NEED_MATCH
            }
            if not fits and not provider_name:
                return as_result([])  # a need nothing here serves: say so, not everyone
        found = []
        for provider, services in catalog.offerings(uow=deps.uow()):
            if provider_name and not _names_fit(provider_name, provider.name):
                continue
            if location and not _similar(location, provider.location):
                continue
            if specialty and not _similar(
                specialty, *provider.specialties, provider.kind, *(s.name for s in services)
            ):
                continue
            # With a provider named, the need only orders their services, best fit first
            # ("Ms Tremblay, to certify copies"); alone, it keeps the services that fit.
            chosen = sorted(
                (
                    s
                    for s in services
                    if (not service_id or s.id == service_id)
                    and (not need or provider_name or s.id in fits)
                ),
                key=lambda s: (-fits.get(s.id, 0.0), s.duration_min),
            )
            if not chosen:
                continue
            found.append(
                (max((fits.get(s.id, 0.0) for s in chosen), default=0.0), provider, chosen)
            )
        found.sort(key=lambda item: (-item[0], item[1].name))
        return as_result([_provider_payload(p, services) for _, p, services in found[:5]])

    def check_slots(
        config: RunnableConfig,
        date_from: str,
        provider_id: str | None = None,
        service_id: str | None = None,
        date_to: str | None = None,
        day_from: str | None = None,
        day_until: str | None = None,
        limit: int = 8,
        at: str | None = None,
    ) -> str:
        uow = deps.uow()
        tz = zone(practice_policies(uow=uow).timezone)
        first, last = _day(date_from), _day(date_to or date_from)
        if last < first:
            raise InvalidInput("date_to must not come before date_from.")
        if (last - first).days > 31:
            raise InvalidInput("Look at most a month at a time.")
        query = SlotQuery(
            start=datetime.combine(first, time(0), tzinfo=tz),
            end=datetime.combine(last + timedelta(days=1), time(0), tzinfo=tz),
            provider_id=provider_id,
            service_id=service_id,
            day_from=_time(day_from),
            day_until=_time(day_until),
            limit_per_provider=limit,
        )
        at_time = _time(at)
        asked = datetime.combine(first, at_time, tzinfo=tz) if at_time else None
        return as_result(
            [_offered(uow, found, query, asked, tz) for found in search_slots(uow=uow, query=query)]
        )

    def search_knowledge(query: str, config: RunnableConfig) -> str:
        hits = deps.knowledge.search(query, k=3)
        return as_result(
            [
                {
                    "kind": h.kind,
                    "id": h.id,
                    "title": h.title,
                    "text": h.text,
                    "score": round(h.score, 3),
                }
                for h in hits
            ]
        )

    def handoff_to_human(reason: str, runtime: Runtime) -> str:
        who = caller(runtime.context, deps.uow)
        conversations.open_conversation(
            uow=deps.uow(),
            conversation_id=who.conversation_id,
            channel=who.channel,
            client_id=who.client_id,
        )
        conversation = handoff.request_handoff(
            uow=deps.uow(), actor=who.visitor, conversation_id=who.conversation_id, reason=reason
        )
        return as_result({"status": conversation.status})

    def note_for_practice(note: str, runtime: Runtime) -> str:
        who = caller(runtime.context, deps.uow)
        conversations.open_conversation(
            uow=deps.uow(),
            conversation_id=who.conversation_id,
            channel=who.channel,
            client_id=who.client_id,
        )
        notes.note_for_staff(
            uow=deps.uow(), actor=who.visitor, conversation_id=who.conversation_id, note=note
        )
        return as_result({"passed_on": True})

    return [
        structured(
            "search_providers",
            "Find providers and their services by need, specialty, service, name or place.",
            SearchProvidersIn,
            search_providers,
        ),
        structured(
            "check_slots",
            "Free starts from date_from to date_to, optionally within a time of day.",
            CheckSlotsIn,
            check_slots,
        ),
        structured(
            "search_knowledge",
            "Look up policies, prices, documents or directions.",
            SearchKnowledgeIn,
            search_knowledge,
        ),
        structured(
            "handoff_to_human",
            "Pass the conversation to a person.",
            HandoffIn,
            handoff_to_human,
        ),
        structured(
            "note_for_practice",
            "Tell the staff something (running late) without passing the conversation.",
            NoteForPracticeIn,
            note_for_practice,
        ),
    ]


def _provider_payload(provider: Provider, services: list[Service]) -> dict[str, Any]:
    return {
        "provider_id": provider.id,
        "name": provider.name,
        "kind": provider.kind,
        "specialties": provider.specialties,
        "location": provider.location,
        "services": [_service_payload(s) for s in services],
    }


def _offered(
    uow: UnitOfWork,
    found: ProviderSlots,
    query: SlotQuery,
    asked: datetime | None,
    home: ZoneInfo,
) -> dict[str, Any]:
    """One provider's free starts; with why none is free, and why the time asked for is not."""
    provider, service, tz = found.provider, found.service, zone(found.provider.timezone)
    now = uow.now()
    offered: dict[str, Any] = {
        "provider_id": provider.id,
        "provider": provider.name,
        "service_id": service.id,
        "service": service.name,
        "starts": [
            {
                "start": s.astimezone(tz).isoformat(),
                "label": format_when(s, tz, now=now, home=home),
            }
            for s in found.starts
        ],
    }
    if not found.starts:
        refused = why_none_free(
            uow,
            provider=provider,
            service=service,
            start=query.start,
            end=query.end,
            day_from=query.day_from,
            day_until=query.day_until,
        )
        offered |= {"why": str(refused), "reason": refused.reason}
    elif asked is not None and asked not in found.starts:
        refused_asked = why_not_free(uow, provider=provider, service=service, start=asked)
        if refused_asked is not None:
            offered["asked"] = {
                "start": format_when(asked, tz, now=now, home=home),
                "why": str(refused_asked),
                "reason": refused_asked.reason,
            }
    return offered


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise InvalidInput(f"{text!r} is not a day like 2026-03-05.") from exc


def _time(text: str | None) -> time | None:
    if text is None:
        return None
    try:
        return time.fromisoformat(text)
    except ValueError as exc:
        raise InvalidInput(f"{text!r} is not a time of day like 14:30.") from exc
