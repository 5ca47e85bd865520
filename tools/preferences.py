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
    event: str | None = Field(
        None,
        description=f"One of {', '.join(EVENT_NAMES)} (booking.reminder: the reminders before "
        "an appointment); null for every event.",
    )
    # Not "channel": that word names the conversation's own channel, which the model never sets.
    via: str | None = Field(
        None,
        description=f"The channel, one of {', '.join(CHANNELS)}; null for every channel when "
        "turning off, "
        "and for the channels the client already hears from us on when turning on.",
    )
    enabled: bool = Field(description="true to turn on, false to turn off.")


class SetNotificationPreferencesIn(BaseModel):
    changes: list[NotificationChangeIn] = Field(
        min_length=1,
        max_length=20,
        description="Applied in order. 'Text me instead of email': "
        '[{"via": "sms", "enabled": true}, {"via": "email", "enabled": false}]. '
        '\'Stop the reminders\': [{"event": "booking.reminder", "enabled": false}].',
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
            "Tell which notifications (confirmations, changes, cancellations, document "
            "requests, reminders) reach the client, and on which channels.",
            NoArgs,
            get_notification_preferences,
        ),
        structured(
            "set_notification_preferences",
            "Turn the client's notifications on or off by event and channel (email, sms, "
            "telegram), e.g. 'stop the reminders', 'text me instead of email'. Changes nothing "
            "when a channel cannot reach the client (no phone, Telegram not linked).",
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
