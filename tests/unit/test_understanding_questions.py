"""Answering questions from knowledge hits: what to search for and which hit answers."""

from __future__ import annotations

from typing import Any

import pytest

from agent.offline.questions import asks_about_a_place, knowledge_query, pick_answer
from agent.offline.searches import asks_opening_hours, read_search
from agent.offline.text import asked_sentence, sentences


def hit(kind: str, id_: str, title: str, score: float) -> dict[str, Any]:
    return {"kind": kind, "id": id_, "title": title, "text": f"{title}.", "score": score}


class TestWhatToSearchFor:
    @pytest.mark.parametrize(
        ("question", "query"),
        [
            ("What's the price of a cardiology appointment?", "cardiology appointment"),
            ("How much do you charge for a GP visit?", "general practitioner visit"),
            ("What does it cost to see the cardiologist?", "cardiologist"),
            ("Do you charge for missed appointments?", "missed appointments"),
        ],
    )
    def test_a_price_question_is_searched_by_what_it_names(self, question: str, query: str) -> None:
        assert knowledge_query(question, None) == query

    def test_a_price_question_about_it_means_the_service_at_hand(self) -> None:
        assert knowledge_query("How much does it cost?", "Family law consultation") == (
            "How much does it cost? (Family law consultation)"
        )

    def test_other_questions_are_searched_as_asked(self) -> None:
        assert knowledge_query("Can I bring my dog?", None) == "Can I bring my dog?"

    @pytest.mark.parametrize(
        ("question", "topic"),
        [
            ("what is the address?", "address and directions"),
            ("Are you open on Saturdays?", "opening hours"),
            ("is there somewhere to park?", "parking"),
            ("does the doctor speak English?", "languages spoken"),
            ("can I pay by card?", "payment"),
        ],
    )
    def test_a_question_on_a_topic_is_searched_in_the_topics_words(
        self, question: str, topic: str
    ) -> None:
        assert knowledge_query(question, None) == f"{question} ({topic})"


class TestPickingTheAnswer:
    def test_the_service_a_price_question_names_answers_it_before_a_closer_policy(self) -> None:
        hits = [
            hit("knowledge", "emergencies", "Urgent medical problems", 0.57),
            hit("service", "cardio-consult", "Cardiology consultation", 0.55),
        ]
        answers = pick_answer("What's the price of a cardiology appointment?", hits)
        assert [answer["id"] for answer in answers] == ["cardio-consult"]

    def test_a_fee_for_something_no_service_is_named_by_is_answered_by_the_policy(self) -> None:
        hits = [
            hit("knowledge", "cancel-policy", "Cancellation and rescheduling policy", 0.48),
            hit("service", "gp-visit", "General practitioner visit", 0.31),
        ]
        answers = pick_answer("Do you charge for missed appointments?", hits)
        assert [answer["id"] for answer in answers] == ["cancel-policy"]

    def test_a_fee_for_cancelling_a_named_service_is_the_policys_even_ranked_below_it(
        self,
    ) -> None:
        # The service named ranks first by its words; the fee asked is for cancelling it.
        hits = [
            hit("service", "physio-session", "Physiotherapy session", 0.52),
            hit("knowledge", "cancel-policy", "Cancellation and rescheduling policy", 0.31),
        ]
        question = "If I cancel my physio the same morning, is there a fee?"
        assert [answer["id"] for answer in pick_answer(question, hits)] == ["cancel-policy"]
        asked = "How much is a physio session in the late afternoon?"
        assert [answer["id"] for answer in pick_answer(asked, hits)] == ["physio-session"]


class TestOpeningHours:
    @pytest.mark.parametrize(
        "text",
        [
            "What are your Saturday hours?",
            "What time do you close on Thursdays?",
            "Is the practice open on Saturday?",
            "When does the law office open?",
            "What are the opening times?",
        ],
    )
    def test_asking_when_the_practice_opens_or_closes(self, text: str) -> None:
        assert asks_opening_hours(text)
        assert read_search(text).need is None

    @pytest.mark.parametrize(
        "text",
        [
            "Is there a dermatologist close to Mitte?",
            "Do you have anything open with a dermatologist on Tuesday?",
            "I need two hours with the lawyer",
        ],
    )
    def test_a_place_close_by_or_a_free_time_is_not_about_opening_hours(self, text: str) -> None:
        assert not asks_opening_hours(text)


def test_a_fee_the_policy_sets_is_answered_by_the_policy_not_the_services_price() -> None:
    hits = [
        {"kind": "knowledge", "id": "cancel-policy", "title": "Cancellation", "score": 0.709},
        {"kind": "service", "id": "physio-session", "title": "Physiotherapy", "score": 0.499},
    ]
    assert [hit["id"] for hit in pick_answer("late cancel fee for physio?", hits)] == [
        "cancel-policy"
    ]
    near = [{**hits[0], "score": 0.55}, hits[1]]
    assert [hit["id"] for hit in pick_answer("how much is physio?", near)] == ["physio-session"]


class TestTheQuestionInAStory:
    @pytest.mark.parametrize(
        ("message", "asked"),
        [
            (
                "I have physio with Megan this afternoon. How do I get there by subway?",
                "How do I get there by subway?",
            ),
            (
                "I'm seeing Marie Tremblay today \u2013 where's that office?",
                "where's that office?",
            ),
            ("Is Dr. Patel free at 10.30?", "Is Dr. Patel free at 10.30?"),
            ("Is Prof. Vogel free on Monday?", "Is Prof. Vogel free on Monday?"),
            ("Is 10 - 11 free tomorrow?", "Is 10 - 11 free tomorrow?"),
            ("physio tomorrow please", "physio tomorrow please"),
        ],
    )
    def test_the_asked_sentence_is_the_last_with_a_question_mark(
        self, message: str, asked: str
    ) -> None:
        assert asked_sentence(message) == asked

    def test_sentences_split_at_their_ends_not_inside_times_or_titles(self) -> None:
        assert sentences("Dr. Weber at 10.30 ok? thanks. See you") == [
            "Dr. Weber at 10.30 ok?",
            "thanks.",
            "See you",
        ]

    @pytest.mark.parametrize(
        ("question", "about_a_place"),
        [
            ("where's that office and can I park there?", True),
            ("How do I get there by subway?", True),
            ("is there step-free access?", True),
            ("how much is it?", False),
            ("what should I bring?", False),
        ],
    )
    def test_place_questions_are_told_apart(self, question: str, about_a_place: bool) -> None:
        assert asks_about_a_place(question) is about_a_place
