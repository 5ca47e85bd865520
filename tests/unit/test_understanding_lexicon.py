"""The lexicon pass: shorthand, typos, German and Russian read as the English the model knows."""

from __future__ import annotations

import pytest

from agent.offline.lexicon import lexicon, plain_english


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ("derm thu pm pls", "derm thursday pm please"),
        ("anything tmrw w dr krause?", "anything tomorrow with dr krause?"),
        ("r u open sat", "are you open saturday"),
        ("Termin am Freitag um 9 Uhr", "appointment on friday at 9:00"),
        ("Geht übermorgen nachmittags?", "works day after tomorrow in the afternoon?"),
        ("Tierarzt oder Hausarzt", "Tierarzt or gp"),
        ("Nein danke, tschüss", "no thanks, bye"),
        ("запишите к терапевту в пятницу в 10", "book at gp friday at 10"),
        ("Да, подходит", "yes, works"),
    ],
)
def test_words_of_other_languages_and_shorthand_become_english(written: str, read: str) -> None:
    assert plain_english(written) == read


def test_german_compounds_split_into_known_words() -> None:
    assert plain_english("Donnerstagvormittag") == "thursday morning"
    assert plain_english("ein Kinderarzttermin") == "a paediatrician appointment"
    # Two known halves are needed: an unknown compound stays as written.
    assert plain_english("Tierarzttermin") == "Tierarzttermin"


def test_misspelt_vocabulary_is_corrected_but_names_and_short_words_are_not() -> None:
    assert plain_english("thrusday aftrenoon") == "thursday afternoon"
    assert plain_english("my apointment with the dermatolgist") == (
        "my appointment with the dermatologist"
    )
    # Close to a vocabulary word yet a word of its own, or a name: left alone.
    assert plain_english("manual therapy for my father") == "manual therapy for my father"
    assert plain_english("Dr. Patell or Mrs Fridey") == "Dr. Patell or Mrs Fridey"


def test_compact_times_are_read_only_where_a_time_is_meant() -> None:
    assert plain_english("930 w nguyen") == "9:30 with nguyen"
    assert plain_english("1045 works") == "10:45 works"
    # A house number, a year, a phone number and an id keep their digits.
    assert plain_english("I live at 145 Queen Street") == "I live at 145 Queen Street"
    assert plain_english("born 1985, at 120 Kastanienallee") == "born 1985, at 120 Kastanienallee"
    assert plain_english("call me on 0170 345 1208") == "call me on 0170 345 1208"
    assert plain_english("card 3344-556-677-NM") == "card 3344-556-677-NM"


def test_unknown_words_keep_their_case_and_spacing() -> None:
    assert plain_english("Markus  Wolf, Danziger Strasse 12") == "Markus  Wolf, Danziger Strasse 12"


def test_every_lexicon_entry_is_text() -> None:
    # YAML reads a bare yes or no key as a boolean: the files must quote them.
    known = lexicon()
    assert all(isinstance(english, str) for english in known.phrases.values())
    assert known.phrases[("ja",)] == "yes"


@pytest.mark.parametrize(
    "word", ["remember", "unavailable", "incorrect", "impossible", "schedule", "verified"]
)
def test_a_word_the_dictionary_knows_is_never_corrected(word: str) -> None:
    assert plain_english(word) == word


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ("could somone see me tommorow aftenoon", "could someone see me tomorrow afternoon"),
        ("my anual physical", "my annual physical"),
        ("pls cancle it", "please cancel it"),
    ],
)
def test_longer_words_forgive_two_typos_short_ones_one(written: str, read: str) -> None:
    assert plain_english(written) == read


@pytest.mark.parametrize(
    ("written", "read"),
    [
        # The lexicon lists one form; the case endings of the others are read off.
        ("сколько стоит консультация кардиолога?", "how much is consultation cardiologist?"),
        ("записаться к гинекологу", "book at gynaecologist"),
        ("к дерматологу", "at dermatologist"),
    ],
)
def test_russian_words_are_read_in_any_case(written: str, read: str) -> None:
    assert plain_english(written) == read


def test_short_and_unknown_russian_words_stay_as_written() -> None:
    # "мне" would stem to nothing useful; "мазком" is not in the lexicon in any form.
    assert plain_english("мне мазком") == "мне мазком"
    # "среди" (amid) shares its first four letters with "среда" (Wednesday), and no more.
    assert "wednesday" not in plain_english("среди недели")
