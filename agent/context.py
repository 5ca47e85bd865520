"""What the system prompt tells the model: the time, the practice's policies, the client."""

from __future__ import annotations

from domain.clients.names import client_names
from domain.kernel.timefmt import zone
from domain.kernel.uow import UnitOfWork
from domain.scheduling.calendars import practice_policies
from prompts import render


def system_prompt(uow: UnitOfWork, client_id: str | None) -> str:
    """Render the system prompt for this moment and this client."""
    policy = practice_policies(uow=uow)
    names = client_names(uow=uow, client_ids=[client_id] if client_id else [])
    now = uow.now().astimezone(zone(policy.timezone))
    return render(
        "system",
        practice=policy.name,
        now=now.isoformat(timespec="minutes"),
        timezone=policy.timezone,
        client_name=names.get(client_id) if client_id else None,
        min_notice_minutes=policy.min_notice_minutes,
        max_advance_days=policy.max_advance_days,
        hold_minutes=policy.hold_minutes,
        cancellation_notice_hours=policy.cancellation_notice_hours,
    )
