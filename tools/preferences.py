"""Tools that tell a client how we notify them, and change it for them."""

from __future__ import annotations

from typing import Any

from langchain_core.tools import BaseTool
from pydantic import BaseModel, Field

from domain.clients import preferences
from domain.clients.preferences import EVENT_NAMES, PreferenceChange, Preferences
from domain.notifications.events import CHANNELS
from tools.booking import structured
from tools.context import Runtime, ToolDeps, as_result, caller
from tools.notification_words import what_changed, what_you_get
from tools.schemas import NoArgs


class NotificationChangeIn(BaseModel):
    # The names are listed for the model; the domain refuses any other with its own message.
    event: str | None = Field(
        None,
        description="Omit for every event.",
        json_schema_extra={"enum": list(EVENT_NAMES)},
    )
    # Not "channel": that word names the conversation's own channel, which the model never sets.
    via: str | None = Field(
        None,
        description="Omit for every channel (off) or the client's own channels (on).",
        json_schema_extra={"enum": list(CHANNELS)},
    )
    enabled: bool


class SetNotificationPreferencesIn(BaseModel):
    changes: list[NotificationChangeIn] = Field(
        min_length=1, max_length=20, description="Applied in order."
    )


def make_preference_tools(deps: ToolDeps) -> list[BaseTool]:
    """Build the notification preference tools over the given services."""

    def get_notification_preferences(runtime: Runtime) -> str:
        who = caller(runtime.context, deps.uow)
        found = preferences.preferences_of(
            uow=deps.uow(), actor=who.actor, client_id=str(who.client_id)
        )
        return as_result(_described(found))

    def set_notification_preferences(changes: list[NotificationChangeIn], runtime: Runtime) -> str:
        who = caller(runtime.context, deps.uow)
        asked = [PreferenceChange(enabled=c.enabled, event=c.event, channel=c.via) for c in changes]
        before = preferences.preferences_of(
            uow=deps.uow(), actor=who.actor, client_id=str(who.client_id)
        )
        meant = [one for c in asked for one in preferences.as_the_client_means(c, before)]
        after = preferences.change_preferences(
            uow=deps.uow(), actor=who.actor, client_id=str(who.client_id), changes=meant
        )
        return as_result({"done": what_changed(asked), **_described(after)})

    return [
        structured(
            "get_notification_preferences",
            "Which notifications reach the client, on which channels.",
            NoArgs,
            get_notification_preferences,
        ),
        structured(
            "set_notification_preferences",
            "Turn notifications on or off by event and channel, e.g. 'stop the reminders', "
            "'text me instead of email' (sms on, email off).",
            SetNotificationPreferencesIn,
            set_notification_preferences,
        ),
    ]


def _described(found: Preferences) -> dict[str, Any]:
    return {
        "notifications": {event: found.delivered_on(event) for event in EVENT_NAMES},
        "reachable": [channel for channel in CHANNELS if channel in found.reachable],
        "summary": what_you_get(found),
    }
