"""Reading short answers: which offered option is picked, and yes or no to a summary."""

from __future__ import annotations

import pytest

from agent.offline.answers import Answer, choose_position, classify_answer


class TestChoosingAnOfferedOption:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("the second one", 2),
            ("first", 1),
            ("First one please", 1),
            ("1st", 1),
            ("the 3rd", 3),
            ("number 3", 3),
            ("option 2", 2),
            ("Option 2 please.", 2),
            ("#4", 4),
            ("I'll take the second", 2),
            ("the last one", -1),
            ("the last", -1),
            ("second to last", -2),
            ("2", 2),
            ("2.", 2),
            ("the 2", 2),
            ("10", 10),
        ],
    )
    def test_reads_the_position(self, text: str, expected: int) -> None:
        assert choose_position(text) == expected

    @pytest.mark.parametrize("text", ["maybe 2nd", "mark the 2nd one"])
    def test_a_word_starting_like_a_month_is_no_date(self, text: str) -> None:
        assert choose_position(text) == 2

    @pytest.mark.parametrize(
        "text",
        [
            "2 pm",
            "at 2",
            "14:30",
            "Tuesday",
            "it's my first visit",
            "first of all, thanks",
            "the 3rd of March",
            "Nov 5th",
            "with Marie Tremblay on November 5th at 2 pm",
            "yes",
            "0",
            "",
        ],
    )
    def test_times_and_other_words_are_not_positions(self, text: str) -> None:
        assert choose_position(text) is None


SAMPLE_ANSWERS: dict[str, Answer] = {
    "yes": "yes",
    "Yes, please confirm.": "yes",
    "Yes, book it.": "yes",
    "yes please": "yes",
    "yes, that's right": "yes",
}


class TestAnsweringABookingSummary:
    @pytest.mark.parametrize(("text", "expected"), list(SAMPLE_ANSWERS.items()))
    def test_every_confirmation_in_the_sample_suite_is_a_yes(
        self, text: str, expected: Answer
    ) -> None:
        assert classify_answer(text) == expected

    @pytest.mark.parametrize(
        "text",
        [
            "book it",
            "confirm",
            "Confirm!",
            "sure",
            "ok",
            "okay",
            "OK.",
            "go ahead",
            "sounds good",
            "perfect",
            "Perfect, thank you!",
            "y",
            "yep",
            "yeah",
            "\U0001f44d",
            "that is correct",
            "yes, that works for me",
            "Yes please go ahead and book it",
            "confrim",
        ],
    )
    def test_yes(self, text: str) -> None:
        assert classify_answer(text) == "yes"

    @pytest.mark.parametrize(
        "text",
        [
            "no",
            "No.",
            "no thanks",
            "no thank you",
            "don't book",
            "please don't book it",
            "cancel that",
            "not now",
            "nope",
            "nah",
            "forget it",
            "never mind",
            "I changed my mind",
            "\U0001f44e",
        ],
    )
    def test_no(self, text: str) -> None:
        assert classify_answer(text) == "no"

    @pytest.mark.parametrize(
        "text",
        [
            "actually make it 11",
            "can we do Friday instead?",
            "a different doctor",
            "change the time",
            "yes but at 11",
            "ok, but on Thursday",
            "no, Friday please",
            "something a bit later",
            "another lawyer please",
            "I'd prefer the morning",
        ],
    )
    def test_asking_for_another_time_day_or_provider_is_a_change(self, text: str) -> None:
        assert classify_answer(text) == "change"

    @pytest.mark.parametrize(
        "text",
        [
            "what?",
            "hmm",
            "I'm not sure",
            "maybe",
            "How much does it cost?",
            "sure, I'd like to book a dermatologist as well",
            "yes no",
            "",
        ],
    )
    def test_anything_else_is_unclear(self, text: str) -> None:
        assert classify_answer(text) == "unclear"

    @pytest.mark.parametrize(
        "text", ["stop the reminders", "no more reminders", "text me instead of email"]
    )
    def test_a_wish_about_notifications_does_not_answer_the_summary(self, text: str) -> None:
        # Read as "no", it would release the slot the client is about to confirm.
        assert classify_answer(text) == "unclear"


@pytest.mark.parametrize("text", ["Yes, cancel it.", "yes please cancel it", "Yeah, cancel that"])
def test_a_yes_followed_by_cancel_it_confirms_a_cancellation(text: str) -> None:
    # The answer to "Shall I cancel it?": read as "no", the appointment would stay.
    assert classify_answer(text) == "yes"


@pytest.mark.parametrize("text", ["cancel it", "No, cancel it", "ok, cancel that"])
def test_cancel_it_without_a_yes_still_refuses(text: str) -> None:
    assert classify_answer(text) == "no"
