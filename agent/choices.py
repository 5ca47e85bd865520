"""The offered times a client chooses among: which are shown, in which order, under which words.

One place decides, so the numbered text of a reply and the buttons under it (web, Telegram) or
the numbered lines of an SMS always list the same starts in the same order, and "the second
one" means the second of what the client sees.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

SHOWN = 6  # offered starts listed to the client; positions ("the second one") count these


@dataclass(frozen=True)
class Slot:
    provider_id: str
    provider: str
    service_id: str
    service: str
    start: str  # ISO with offset, as check_slots gave it
    label: str

    @property
    def starts_at(self) -> datetime:
        return datetime.fromisoformat(self.start)


def offered_slots(groups: Iterable[dict[str, Any]]) -> list[Slot]:
    """Return the starts of check_slots results, soonest first."""
    slots = [
        Slot(
            provider_id=group["provider_id"],
            provider=group["provider"],
            service_id=group["service_id"],
            service=group["service"],
            start=start["start"],
            label=start["label"],
        )
        for group in groups
        for start in group.get("starts", [])
    ]
    return sorted(slots, key=lambda slot: (slot.starts_at, slot.provider))


def shown_slots(offer: Sequence[Slot]) -> list[Slot]:
    """Return the starts listed to the client: the soonest of each provider in turn, by time.

    Taking turns keeps every provider of a search in view, even one whose first free time
    comes after another provider's first six.
    """
    by_provider: dict[str, list[Slot]] = {}
    for slot in offer:
        by_provider.setdefault(slot.provider_id, []).append(slot)
    chosen: list[Slot] = []
    queues = list(by_provider.values())
    while len(chosen) < SHOWN and any(queues):
        for queue in queues:
            if queue and len(chosen) < SHOWN:
                chosen.append(queue.pop(0))
    return sorted(chosen, key=lambda slot: (slot.starts_at, slot.provider))


def choice_text(slot: Slot, shown: Sequence[Slot]) -> str:
    """Return a start as a numbered line words it: the provider only when several are shown."""
    providers = {s.provider_id for s in shown}
    if len(providers) == 1:
        return slot.label
    services = {s.service_id for s in shown}
    service = f" ({slot.service})" if len(services) > 1 else ""
    return f"{slot.label} with {slot.provider}{service}"


def choice_button(slot: Slot) -> dict[str, str]:
    """Return a start as a button: what it shows, and what tapping it says for the client."""
    return {
        "label": f"{slot.label} · {slot.provider}",
        "value": f"{slot.label} with {slot.provider}",
        "start": slot.start,
    }
