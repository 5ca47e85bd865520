"""What the model is told: the time, the practice's policies, the client, and the conversation."""

from __future__ import annotations

from collections.abc import Sequence

from langchain_core.messages import BaseMessage, SystemMessage

from agent.dialogue_state import dialogue_state
from agent.window import recent_messages, window_start
from domain.catalog.translations import translated_names
from domain.clients.names import client_names
from domain.kernel.languages import DEFAULT, NAMES
from domain.kernel.timefmt import zone
from domain.kernel.uow import UnitOfWork
from domain.scheduling.calendars import practice_policies
from prompts import render


def system_prompt(uow: UnitOfWork, client_id: str | None, language: str = DEFAULT) -> str:
    """Render the system prompt for this moment, this client and the language they speak.

    In a language the catalog has translations for, the prompt lists the names to say instead.
    """
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
        language=language,
        language_name=NAMES[language],
        names=translated_names(uow=uow, language=language) if language != DEFAULT else {},
    )


def model_prompt(
    system: str, messages: Sequence[BaseMessage], *, whole_transcript: bool
) -> list[BaseMessage]:
    """The messages one model call is sent: the whole transcript, or a compact prompt.

    The compact prompt, for models that bill by the token, is the system prompt with the
    dialogue state under it and the last few messages, so it stays the same size from the
    third turn to the thirtieth.
    """
    if whole_transcript:
        return [SystemMessage(system), *messages]
    # What the window shows as it is, the state need not repeat.
    state = dialogue_state(messages, shown_from=window_start(messages))
    instructions = system if state is None else f"{system}\n\n{state}"
    return [SystemMessage(instructions), *recent_messages(messages)]
