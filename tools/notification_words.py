"""Notification preferences in a client's words: what they get where, and what just changed."""

from __future__ import annotations

from collections.abc import Sequence

from domain.clients.preferences import EVENT_NAMES, PreferenceChange, Preferences

EVENT_WORDS = {
    "booking.confirmed": "confirmations",
    "booking.changed": "changes",
    "booking.cancelled": "cancellations",
    "documents.requested": "document requests",
    "booking.reminder": "reminders",
}
BY_CHANNEL = {"email": "by email", "sms": "by text message", "telegram": "on Telegram"}
MESSAGES_ON = {"email": "emails", "sms": "text messages", "telegram": "Telegram messages"}
YOU = {"email": "email you", "sms": "text you", "telegram": "message you on Telegram"}
YOU_ING = {"email": "emailing you", "sms": "texting you", "telegram": "messaging you on Telegram"}


def listed(items: Sequence[str]) -> str:
    """Join words as a sentence does: 'a', 'a and b', 'a, b and c'."""
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"


def what_you_get(preferences: Preferences) -> str:
    """Say which notifications reach the client on which channels, in a sentence or two."""
    groups: dict[tuple[str, ...], list[str]] = {}
    for event in EVENT_NAMES:
        groups.setdefault(tuple(preferences.delivered_on(event)), []).append(EVENT_WORDS[event])
    silent = groups.pop((), [])
    if not groups:
        return "You won't get any notifications from us."
    parts = [
        f"{listed(events)} {listed([BY_CHANNEL[c] for c in channels])}"
        for channels, events in groups.items()
    ]
    said = f"You'll get {'; '.join(parts)}."
    return f"{said} No {listed(silent)}." if silent else said


def what_changed(changes: Sequence[PreferenceChange]) -> str:
    """Say what the client asked for, as the changes were given (before any expanding)."""
    pieces: list[str] = []
    rest = list(changes)
    while rest:
        change = rest.pop(0)
        swapped = _swapped_for(change, rest)
        if swapped is not None:
            rest.remove(swapped)
            pieces.append(_instead(change.event, str(change.channel), str(swapped.channel)))
        else:
            pieces.append(_one(change))
    return listed(pieces)


def _swapped_for(change: PreferenceChange, rest: list[PreferenceChange]) -> PreferenceChange | None:
    """The change that turns another channel off for the same events, when `change` turns one on."""
    if not (change.enabled and change.channel):
        return None
    return next(
        (
            other
            for other in rest
            if not other.enabled and other.channel and other.event == change.event
        ),
        None,
    )


def _instead(event: str | None, on: str, off: str) -> str:
    if event is None:
        return f"I'll {YOU[on]} instead of {YOU_ING[off]}"
    return f"{EVENT_WORDS[event]} {BY_CHANNEL[on]} instead of {BY_CHANNEL[off]}"


def _one(change: PreferenceChange) -> str:
    events = EVENT_WORDS[change.event] if change.event else "notifications"
    if not change.enabled:
        if change.channel is None:
            return f"no more {events}"
        if change.event is None:
            return f"no more {MESSAGES_ON[change.channel]}"
        return f"no {events} {BY_CHANNEL[change.channel]}"
    if change.channel is None:
        return f"{events} are back on"
    return f"{events} {BY_CHANNEL[change.channel]}"
