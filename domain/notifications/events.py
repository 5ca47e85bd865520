"""The events a client is told about, on which channels, and what a template may name."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Channel = Literal["email", "sms", "telegram"]
CHANNELS: tuple[Channel, ...] = ("email", "sms", "telegram")


@dataclass(frozen=True)
class Variable:
    name: str
    description: str
    sample: str | int | list[str]


@dataclass(frozen=True)
class NotificationEvent:
    name: str
    description: str
    variables: tuple[Variable, ...]

    def sample(self) -> dict[str, object]:
        return {v.name: v.sample for v in self.variables}


BOOKING = (
    Variable("client_name", "The client's name", "Ana Silva"),
    Variable("practice", "The practice's name", "Praxiszentrum Gartenstrasse"),
    Variable("service", "The service booked", "Dermatology consultation"),
    Variable("provider", "Who the client sees", "Dr. Anna Weber"),
    Variable("location", "Where", "Gartenstrasse 12, 10115 Berlin"),
    Variable("start", "Local start date and time", "Tue 3 Mar 2026, 14:30"),
    Variable("end", "Local end date and time", "Tue 3 Mar 2026, 15:00"),
    Variable("time_zone", "The time zone of start and end", "Europe/Berlin"),
    Variable("reference", "The booking reference to quote", "7F3A9C21"),
    Variable("price", "The price, with its currency", "80.00 EUR"),
)

EVENTS: dict[str, NotificationEvent] = {
    event.name: event
    for event in (
        NotificationEvent("booking.confirmed", "A booking was confirmed", BOOKING),
        NotificationEvent(
            "booking.changed",
            "A booking was moved to another time or provider",
            (
                *BOOKING,
                Variable(
                    "previous_start", "The local start it had before", "Mon 2 Mar 2026, 10:00"
                ),
                Variable("previous_provider", "The provider it had before", "Dr. Anna Weber"),
            ),
        ),
        NotificationEvent(
            "booking.cancelled",
            "A booking was cancelled",
            (*BOOKING, Variable("reason", "Why, when someone said (may be empty)", "")),
        ),
        NotificationEvent(
            "documents.requested",
            "The client is asked for documents the service needs",
            (
                *BOOKING,
                Variable(
                    "documents",
                    "The names of the documents asked for",
                    ["Health insurance card", "Referral letter"],
                ),
            ),
        ),
        NotificationEvent(
            "booking.reminder",
            "A reminder before the appointment",
            (*BOOKING, Variable("hours_before", "How many hours before it starts (24 or 1)", 24)),
        ),
    )
}
