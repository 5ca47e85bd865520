"""What the system prompt tells the model: the time, the practice's policies, the client."""

from __future__ import annotations

from domain.kernel.timefmt import zone
from domain.kernel.uow import UnitOfWork
from domain.models import Client
from domain.scheduling.calendars import practice
from prompts import render


def system_prompt(uow: UnitOfWork, client_id: str | None) -> str:
    """Render the system prompt for this moment and this client."""
    with uow.reading() as reader:
        policy = practice(reader.session)
        client = reader.session.get(Client, client_id) if client_id else None
        now = reader.now().astimezone(zone(policy.timezone))
        return render(
            "system",
            practice=policy.name,
            now=now.isoformat(timespec="minutes"),
            timezone=policy.timezone,
            client_name=client.name if client else None,
            min_notice_minutes=policy.min_notice_minutes,
            max_advance_days=policy.max_advance_days,
            hold_minutes=policy.hold_minutes,
            cancellation_notice_hours=policy.cancellation_notice_hours,
        )
