"""The notice policy: until when a client may change a booking online, and what they are told
once that time has passed — including when it passed before the booking was made."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from domain.kernel.timefmt import format_when, zone
from domain.models import Booking, BookingStatus, Practice

Verb = Literal["cancelled", "moved", "changed"]
_DO = {"cancelled": "cancel", "moved": "move", "changed": "change or cancel"}


def changeable_online_until(policy: Practice, booking: Booking) -> datetime:
    """Return the last instant a client may cancel or move the booking themselves."""
    return booking.starts_at - timedelta(hours=policy.cancellation_notice_hours)


def how_to_reach(policy: Practice) -> str:
    """Say how to reach a person at the practice, from the contact it gave."""
    if policy.phone and policy.email:
        return f"call the practice on {policy.phone} or email {policy.email}"
    if policy.phone:
        return f"call the practice on {policy.phone}"
    if policy.email:
        return f"email the practice at {policy.email}"
    return "ask here in the chat for a person at the practice"


def past_notice_note(
    policy: Practice, booking: Booking, *, now: datetime, timezone: str
) -> str | None:
    """Return the note a summary carries once the booking can no longer be changed online."""
    if now <= changeable_online_until(policy, booking):
        return None
    if booking.status == BookingStatus.HOLD:
        return (
            f"This appointment starts in less than {policy.cancellation_notice_hours} hours, so "
            f"once booked it can no longer be changed online. To change or cancel it later, "
            f"{how_to_reach(policy)}."
        )
    return refusal(policy, booking, verb="changed", timezone=timezone, now=now)


def refusal(policy: Practice, booking: Booking, *, verb: Verb, timezone: str, now: datetime) -> str:
    """Say why a client may not cancel or move the booking online, and whom to ask instead.

    The deadline reads as the client reads dates in a chat, from `now` on the practice's clock.
    """
    hours = policy.cancellation_notice_hours
    deadline = changeable_online_until(policy, booking)
    if booking.created_at > deadline:
        why = f"it was booked less than {hours} hours before it starts"
    else:
        when = format_when(deadline, zone(timezone), now=now, home=zone(policy.timezone))
        why = (
            f"appointments can be {verb} online only up to {hours} hours before they start, "
            f"and this one could have been {verb} until {when}"
        )
    return (
        f"This appointment can no longer be changed online: {why}. "
        f"To {_DO[verb]} it, {how_to_reach(policy)}."
    )
