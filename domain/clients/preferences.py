"""Which events a client hears about, on which channels; and where each channel reaches them.

Without a choice of their own a client hears every event on Telegram when they have linked a
chat, by email when they gave an address, and by SMS only when neither (texts cost the practice
and a phone on file may be a landline). A choice (one row per event and channel) overrides that;
a number that texted STOP gets no SMS whatever it chose.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlmodel import Session, col, select

from domain.clients.records import visible_client
from domain.kernel.actors import Actor
from domain.kernel.errors import DomainError, Forbidden, InvalidInput
from domain.kernel.journal import audit
from domain.kernel.uow import UnitOfWork
from domain.models import (
    ChannelIdentity,
    Client,
    NotificationPreference,
    StaffUser,
    opt_out_of,
)
from domain.notifications.events import CHANNELS, EVENTS

EVENT_NAMES: tuple[str, ...] = tuple(EVENTS)


@dataclass(frozen=True)
class PreferenceChange:
    """Turn `channel` on or off for `event`; None stands for every event, or every channel."""

    enabled: bool
    event: str | None = None
    channel: str | None = None


@dataclass(frozen=True)
class Preferences:
    client_id: str
    # event -> channel -> on or off, with the defaults filled in
    choices: dict[str, dict[str, bool]]
    # channel -> address, for the channels the client can be reached on now
    reachable: dict[str, str]
    chosen: frozenset[tuple[str, str]]  # (event, channel) pairs the client set themselves
    defaults: frozenset[str] = frozenset()  # the channels an event is on without a choice

    def delivered_on(self, event: str) -> list[str]:
        """The channels this event reaches the client on now: chosen (or default) and reachable."""
        on = self.choices.get(event, {})
        return [channel for channel in CHANNELS if on.get(channel) and channel in self.reachable]

    def usual_channels(self, *, besides: str | None = None) -> list[str]:
        """Where the client hears from us about other events; the defaults when nowhere."""
        others = [event for event in EVENT_NAMES if event != besides]
        in_use: list[str] = [c for c in CHANNELS if any(c in self.delivered_on(e) for e in others)]
        return in_use or [c for c in CHANNELS if c in self.defaults and c in self.reachable]


def reachable_channels(session: Session, client: Client) -> dict[str, str]:
    """The channels that reach the client now, with their address on each."""
    found: dict[str, str] = {}
    if client.email:
        found["email"] = client.email
    if client.phone and opt_out_of(session, client.phone) is None:
        found["sms"] = client.phone
    chat = session.exec(
        select(ChannelIdentity.address)
        .where(col(ChannelIdentity.client_id) == client.id, ChannelIdentity.channel == "telegram")
        .order_by(col(ChannelIdentity.address))
    ).first()
    if chat is not None:
        found["telegram"] = chat
    return found


def default_channels(client: Client, linked_telegram: bool) -> set[str]:
    defaults = set()
    if linked_telegram:
        defaults.add("telegram")
    if client.email:
        defaults.add("email")
    if not defaults and client.phone:
        defaults.add("sms")
    return defaults


def channels_for(session: Session, client: Client, event: str) -> dict[str, str]:
    """Where to send this event to this client: channel -> address (maybe none)."""
    reachable = reachable_channels(session, client)
    choices = _choices(session, client, reachable)
    return {
        channel: address
        for channel, address in reachable.items()
        if choices.get(event, {}).get(channel, False)
    }


def preferences_of(*, uow: UnitOfWork, actor: Actor, client_id: str) -> Preferences:
    """Return the client's choices with the defaults filled in, to the client or their staff."""
    with uow.reading() as reader:
        client = _client(reader, actor, client_id)
        reachable = reachable_channels(reader.session, client)
        return Preferences(
            client_id=client.id,
            choices=_choices(reader.session, client, reachable),
            reachable=reachable,
            chosen=frozenset((row.event, row.channel) for row in _rows(reader.session, client.id)),
            defaults=frozenset(default_channels(client, "telegram" in reachable)),
        )


def change_preferences(
    *, uow: UnitOfWork, actor: Actor, client_id: str, changes: Iterable[PreferenceChange]
) -> Preferences:
    """Apply the changes in order (a later one wins), audited; return the result.

    A client may only turn on a channel that reaches them now (nothing is changed otherwise);
    staff may set one ahead, say before the client's phone number is added.
    """
    changes = list(changes)
    for change in changes:
        if change.event is not None and change.event not in EVENTS:
            raise InvalidInput(
                f"Unknown event '{change.event}'; one of: {', '.join(EVENT_NAMES)}.", field="event"
            )
        if change.channel is not None and change.channel not in CHANNELS:
            raise InvalidInput(
                f"Unknown channel '{change.channel}'; one of: {', '.join(CHANNELS)}.",
                field="channel",
            )
    with uow:
        client = _client(uow, actor, client_id)
        if actor.is_client:
            _refuse_unreachable(uow.session, client, changes)
        for change in changes:
            events = [change.event] if change.event else list(EVENT_NAMES)
            channels: list[str] = [change.channel] if change.channel else list(CHANNELS)
            for event in events:
                for channel in channels:
                    row = uow.session.get(NotificationPreference, (client.id, event, channel))
                    if row is None:
                        row = NotificationPreference(
                            client_id=client.id,
                            event=event,
                            channel=channel,
                            enabled=change.enabled,
                            updated_at=uow.now(),
                        )
                        uow.session.add(row)
                    else:
                        row.enabled = change.enabled
                        row.updated_at = uow.now()
        audit(
            uow,
            actor=actor,
            action="client.notification_preferences_changed",
            subject_type="client",
            subject_id=client.id,
            details={
                "changes": [
                    {"event": c.event, "channel": c.channel, "enabled": c.enabled} for c in changes
                ]
            },
        )
        uow.commit()
    return preferences_of(uow=uow, actor=actor, client_id=client_id)


def as_the_client_means(change: PreferenceChange, now: Preferences) -> list[PreferenceChange]:
    """Spell out what turning something on "everywhere" means to a client.

    Every channel means where the client hears from us already: turning on every channel
    would start texts they never asked for (texts cost the practice, and a phone on file may
    be a landline). Every event means those they still get: "text me instead of email" must
    not bring back the reminders they stopped.
    """
    if not change.enabled or (change.event and change.channel):
        return [change]
    heard = [event for event in EVENT_NAMES if now.delivered_on(event)]
    events = [change.event] if change.event else heard or list(EVENT_NAMES)
    spelled: list[PreferenceChange] = []
    for event in events:
        channels = [change.channel] if change.channel else now.usual_channels(besides=event)
        spelled.extend(PreferenceChange(enabled=True, event=event, channel=c) for c in channels)
    if not spelled:
        raise DomainError(
            "I have no way to reach you: no email address, phone number or linked Telegram. "
            "Nothing was changed."
        )
    return spelled


def _choices(
    session: Session, client: Client, reachable: dict[str, str]
) -> dict[str, dict[str, bool]]:
    defaults = default_channels(client, "telegram" in reachable)
    choices: dict[str, dict[str, bool]] = {
        event: {c: c in defaults for c in CHANNELS} for event in EVENT_NAMES
    }
    for row in _rows(session, client.id):
        if row.event in choices and row.channel in CHANNELS:
            choices[row.event][row.channel] = row.enabled
    return choices


def _rows(session: Session, client_id: str) -> list[NotificationPreference]:
    return list(
        session.exec(
            select(NotificationPreference).where(col(NotificationPreference.client_id) == client_id)
        )
    )


def _client(uow: UnitOfWork, actor: Actor, client_id: str) -> Client:
    """The client the actor may act on: themself, or one the signed-in staff member may see."""
    if actor.kind != "staff":
        return visible_client(uow, actor, client_id)
    staff = uow.session.get(StaffUser, actor.id) if actor.id else None
    if staff is None or not staff.active:
        raise Forbidden("Only a signed-in staff member may do that.")
    return visible_client(uow, staff, client_id)


def _refuse_unreachable(session: Session, client: Client, changes: list[PreferenceChange]) -> None:
    reachable = reachable_channels(session, client)
    for change in changes:
        if change.enabled and change.channel is not None and change.channel not in reachable:
            raise InvalidInput(
                f"{_why_unreachable(client, change.channel)} Nothing was changed.", field="channel"
            )


def _why_unreachable(client: Client, channel: str) -> str:
    if channel == "email":
        return "I don't have an email address for you, so I can't email you."
    if channel == "sms" and not client.phone:
        return "I don't have a phone number for you, so I can't text you."
    if channel == "sms":
        return (
            "Your phone number asked us to stop texting it (STOP), so I can't text you. "
            "Text START to us to allow it again."
        )
    return (
        "Your Telegram isn't linked to us yet, so I can't message you there. Start a chat "
        "with our Telegram bot and share your phone number, then ask again."
    )
