"""A client's notification preferences over REST: staff read and change them for the client."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from api.bootstrap import frontdesk_of
from api.conventions import StaffMember
from domain.clients.preferences import (
    PreferenceChange,
    Preferences,
    change_preferences,
    preferences_of,
)
from domain.notifications.events import CHANNELS, EVENTS
from domain.staff.access import staff_actor

# Long enough for any event or channel name; the domain names the one it does not know.
Name = Annotated[str, Field(min_length=1, max_length=64)]


class PreferenceChangeIn(BaseModel):
    event: Name | None = Field(
        None, description="An event, e.g. booking.reminder; null: every event"
    )
    channel: Name | None = Field(None, description="email, sms or telegram; null: every channel")
    enabled: bool


class PreferencesUpdate(BaseModel):
    # Applied in order, so a later change wins: [{"enabled": false}, {"channel": "email",
    # "enabled": true}] leaves email only.
    changes: list[PreferenceChangeIn] = Field(min_length=1, max_length=100)


class ChannelChoice(BaseModel):
    channel: str
    enabled: bool
    chosen: bool = Field(description="The client (or staff for them) set it; else the default")
    delivered: bool = Field(description="Enabled and the channel reaches the client now")


class EventPreferences(BaseModel):
    event: str
    description: str
    channels: list[ChannelChoice]


class ReachableChannel(BaseModel):
    channel: str
    # Staff who may see the client see their phone and email anyway: nothing is masked.
    address: str


class PreferencesRead(BaseModel):
    client_id: str
    events: list[EventPreferences]
    reachable: list[ReachableChannel]


preference_router = APIRouter(prefix="/clients", tags=["clients"])
PATH = "/{client_id}/notification-preferences"


def _read(preferences: Preferences) -> PreferencesRead:
    return PreferencesRead(
        client_id=preferences.client_id,
        events=[
            EventPreferences(
                event=event,
                description=EVENTS[event].description,
                channels=[
                    ChannelChoice(
                        channel=channel,
                        enabled=enabled,
                        chosen=(event, channel) in preferences.chosen,
                        delivered=channel in preferences.delivered_on(event),
                    )
                    for channel, enabled in preferences.choices[event].items()
                ],
            )
            for event in EVENTS
        ],
        reachable=[
            ReachableChannel(channel=channel, address=preferences.reachable[channel])
            for channel in CHANNELS
            if channel in preferences.reachable
        ],
    )


@preference_router.get(PATH, response_model=PreferencesRead)
def read_preferences(request: Request, staff: StaffMember, client_id: str) -> PreferencesRead:
    """Which events reach the client on which channels; a provider sees only their clients."""
    preferences = preferences_of(
        uow=frontdesk_of(request).uow(), actor=staff_actor(staff), client_id=client_id
    )
    return _read(preferences)


@preference_router.patch(PATH, response_model=PreferencesRead)
def change(
    request: Request, staff: StaffMember, client_id: str, preferences_in: PreferencesUpdate
) -> PreferencesRead:
    """Turn events on or off per channel, in the order sent; the change is audited."""
    preferences = change_preferences(
        uow=frontdesk_of(request).uow(),
        actor=staff_actor(staff),
        client_id=client_id,
        changes=[
            PreferenceChange(enabled=c.enabled, event=c.event, channel=c.channel)
            for c in preferences_in.changes
        ],
    )
    return _read(preferences)
