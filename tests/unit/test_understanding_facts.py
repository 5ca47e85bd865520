"""Picking profile values out of what a client writes."""

from __future__ import annotations

from datetime import date

import pytest

from agent.offline.facts import extract_facts

TODAY = date(2026, 3, 2)
EVERYTHING = ("date_of_birth", "insurance_number", "address", "employer", "email", "phone")


class TestSampleConversations:
    def test_a_birth_date_and_an_address_in_one_message(self) -> None:
        text = "My date of birth is 12 May 1985 and I live at Torstrasse 5, 10119 Berlin."
        assert extract_facts(text, wanted=["date_of_birth", "address"], today=TODAY) == {
            "date_of_birth": "1985-05-12",
            "address": "Torstrasse 5, 10119 Berlin",
        }

    def test_a_birth_date_in_a_sentence(self) -> None:
        text = "I was born on 3 February 1992"
        assert extract_facts(text, wanted=["date_of_birth"], today=TODAY) == {
            "date_of_birth": "1992-02-03"
        }

    def test_an_insurance_number(self) -> None:
        text = "My insurance number is TK-5566778"
        assert extract_facts(text, wanted=["insurance_number"], today=TODAY) == {
            "insurance_number": "TK-5566778"
        }

    @pytest.mark.parametrize(
        "text", ["Thursday at 11 would be good", "10 am", "yes please", "Yes, book it."]
    )
    def test_booking_turns_carry_no_facts(self, text: str) -> None:
        assert extract_facts(text, wanted=EVERYTHING, today=TODAY) == {}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("My date of birth is 12 May 1985", {"date_of_birth": "1985-05-12"}),
        ("born 1990-04-12", {"date_of_birth": "1990-04-12"}),
        ("DOB 12.05.1985", {"date_of_birth": "1985-05-12"}),
        ("DOB: 12/05/1985", {"date_of_birth": "1985-05-12"}),
        ("my birthday is May 12th, 1985", {"date_of_birth": "1985-05-12"}),
        ("born 12.05.85", {"date_of_birth": "1985-05-12"}),
        ("insurance no. A123456789", {"insurance_number": "A123456789"}),
        ("my insurance number: tk-5566778", {"insurance_number": "TK-5566778"}),
        ("I live at Torstrasse 5, 10119 Berlin", {"address": "Torstrasse 5, 10119 Berlin"}),
        ("My address is Kantstrasse 40, 10625 Berlin.",
         {"address": "Kantstrasse 40, 10625 Berlin"}),
        ("I work at Siemens", {"employer": "Siemens"}),
        ("I work for Deutsche Bahn as a driver.", {"employer": "Deutsche Bahn"}),
        ("my email is ana.silva@example.com.", {"email": "ana.silva@example.com"}),
        ("call me on +49 151 1234 5678", {"phone": "+4915112345678"}),
        ("my phone number is 0049 151 12345678", {"phone": "+4915112345678"}),
        ("my mobile is 0151 12345678", {"phone": "015112345678"}),
    ],
)  # fmt: skip
def test_reads_each_kind_of_fact(text: str, expected: dict[str, str]) -> None:
    assert extract_facts(text, wanted=EVERYTHING, today=TODAY) == expected


def test_only_wanted_fields_come_back() -> None:
    text = "My date of birth is 12 May 1985 and I live at Torstrasse 5, 10119 Berlin."
    assert extract_facts(text, wanted=["date_of_birth"], today=TODAY) == {
        "date_of_birth": "1985-05-12"
    }
    assert extract_facts(text, wanted=["employer"], today=TODAY) == {}


def test_several_facts_in_one_message() -> None:
    text = "DOB 12.05.1985, insurance number A123456789, and I work for Siemens."
    assert extract_facts(text, wanted=EVERYTHING, today=TODAY) == {
        "date_of_birth": "1985-05-12",
        "insurance_number": "A123456789",
        "employer": "Siemens",
    }


class TestBirthDatesMustBePlausible:
    @pytest.mark.parametrize(
        "text",
        [
            "born 12 May 2030",
            "born 1 January 1899",
            "my birthday is 12 May",
            "born on 31 February 1990",
        ],
    )
    def test_future_ancient_yearless_and_impossible_dates_are_refused(self, text: str) -> None:
        assert extract_facts(text, wanted=["date_of_birth"], today=TODAY) == {}


class TestAMessageThatIsOnlyAValue:
    @pytest.mark.parametrize(
        ("text", "wanted", "expected"),
        [
            ("12 May 1985", ["date_of_birth"], {"date_of_birth": "1985-05-12"}),
            ("12 MAY 1985", ["date_of_birth"], {"date_of_birth": "1985-05-12"}),
            ("12.05.1985", ["date_of_birth", "insurance_number"], {"date_of_birth": "1985-05-12"}),
            ("A123456789", ["insurance_number"], {"insurance_number": "A123456789"}),
            ("TK-5566778.", ["date_of_birth", "insurance_number"],
             {"insurance_number": "TK-5566778"}),
            ("Torstrasse 5, 10119 Berlin", ["address"], {"address": "Torstrasse 5, 10119 Berlin"}),
            ("+4917000000001", ["phone"], {"phone": "+4917000000001"}),
            ("jan@example.org", ["email"], {"email": "jan@example.org"}),
            ("Siemens AG", ["employer"], {"employer": "Siemens AG"}),
            ("at Siemens", ["employer"], {"employer": "Siemens"}),
            ("teacher", ["occupation"], {"occupation": "teacher"}),
        ],
    )  # fmt: skip
    def test_takes_it_as_the_field_asked_for(
        self, text: str, wanted: list[str], expected: dict[str, str]
    ) -> None:
        assert extract_facts(text, wanted=wanted, today=TODAY) == expected

    @pytest.mark.parametrize(
        ("text", "wanted"),
        [
            ("My insurance number is TK-5566778", ["date_of_birth"]),
            ("Siemens", ["employer", "address"]),
            ("yes", ["employer"]),
            ("I don't know", ["employer"]),
            ("why do you need that?", ["employer"]),
            ("I live in Berlin", ["address"]),
            ("12 May 1985", ["insurance_number"]),
        ],
    )
    def test_does_not_guess_when_the_value_does_not_fit(self, text: str, wanted: list[str]) -> None:
        assert extract_facts(text, wanted=wanted, today=TODAY) == {}


def test_other_fields_are_read_from_my_field_is() -> None:
    assert extract_facts(
        "My occupation is teacher and my employer is Siemens",
        wanted=["occupation", "employer"],
        today=TODAY,
    ) == {"occupation": "teacher", "employer": "Siemens"}


@pytest.mark.parametrize(
    ("said", "nationality"),
    [
        ("I'm German", "German"),
        ("nationality: turkish", "Turkish"),
        ("I am a Polish citizen", "Polish"),
        ("citizen of the United States", "American"),
        ("my Ukrainian passport", "Ukrainian"),
        ("Ich bin Deutsche", "German"),
        ("Гражданство: Россия", "Russian"),
        ("я украинка", "Ukrainian"),
        ("German", "German"),  # the answer alone, when the nationality was asked for
        ("My nationality is Icelandic", "Icelandic"),  # named outright: taken as said
        ("Icelandic", "Icelandic"),  # the answer alone, listed or not
    ],
)
def test_a_nationality_is_read_as_its_demonym(said: str, nationality: str) -> None:
    assert extract_facts(said, wanted=["nationality"], today=TODAY) == {"nationality": nationality}


@pytest.mark.parametrize("said", ["I'm running late", "I'm Tom", "I am new here"])
def test_words_after_i_am_that_name_no_nationality_are_not_one(said: str) -> None:
    assert extract_facts(said, wanted=["nationality"], today=TODAY) == {}
