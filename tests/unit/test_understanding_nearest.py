"""Intents by the nearest labelled examples: wordings the rules miss, in three languages."""

from __future__ import annotations

import pytest

from agent.offline.nearest import nearest_intent


@pytest.mark.parametrize(
    ("message", "label"),
    [
        ("anything on the calendar for me?", "list_bookings"),
        ("wann hab ich nochmal meinen Termin?", "list_bookings"),
        ("I have to scrap tomorrow's visit, sorry", "cancel"),
        ("не смогу прийти в пятницу, отмените", "cancel"),
        ("could the session on Monday go to Wednesday instead", "reschedule"),
        ("kann man den Termin am Dienstag auf Freitag legen", "reschedule"),
        ("please let me speak with an actual employee", "handoff"),
        ("hab mich verspätet, bin in 10 min da", "running_late"),
        ("that's everything, thank you so much, bye", "closing"),
    ],
)
def test_unseen_wordings_take_the_label_of_the_nearest_examples(message: str, label: str) -> None:
    near = nearest_intent(message)
    assert near.label == label
    assert near.confident


def test_a_bare_time_is_near_nothing_in_particular() -> None:
    assert not nearest_intent("14:30").confident


def test_the_most_confident_reading_counts() -> None:
    english = nearest_intent("cancel my appointment tomorrow")
    assert nearest_intent("xq", "cancel my appointment tomorrow") == english
