"""The conversation-visibility rule counts the same appointments as the client-visibility rule."""

from __future__ import annotations

from domain.conversations.access import APPOINTMENT_STATUSES as FOR_CONVERSATIONS
from domain.staff.access import APPOINTMENT_STATUSES as FOR_CLIENTS


def test_a_provider_sees_a_clients_conversations_by_the_appointments_that_show_the_client() -> None:
    assert set(FOR_CONVERSATIONS) == set(FOR_CLIENTS)
