"""The offline model reads German and Russian as it reads English: times, days, choices,
answers, facts and needs, through the lexicons' data (agent/offline/lexicons/*.yaml)."""

from __future__ import annotations

from datetime import date, time

import pytest

from agent.offline.answers import choose_position, classify_answer
from agent.offline.facts import extract_facts
from agent.offline.lexicon import plain_english
from agent.offline.searches import in_own_words, read_search
from agent.offline.when import parse_when

MONDAY = date(2026, 3, 9)


def when(text: str) -> tuple[date | None, time | None, time | None, time | None]:
    found = parse_when(plain_english(text), today=MONDAY)
    return found.day, found.at, found.day_from, found.day_until


class TestClockWords:
    @pytest.mark.parametrize(
        ("said", "read"),
        [
            ("halb drei", "2:30"),
            ("um halb zehn", "at 9:30"),
            ("viertel nach vier", "4:15"),
            ("viertel vor elf", "10:45"),
            ("um drei", "at 3"),
            ("в полтретьего", "at 2:30"),
            ("половина одиннадцатого", "10:30"),
            ("без четверти три", "2:45"),
            ("в три часа", "at 3 o'clock"),
        ],
    )
    def test_a_time_said_in_words_is_written_as_a_time(self, said: str, read: str) -> None:
        assert plain_english(said) == read

    def test_words_that_only_look_like_hours_stay(self) -> None:
        assert plain_english("Ich habe drei Fragen") == "i have drei Fragen"


class TestDaysAndTimes:
    def test_the_day_after_tomorrow_at_half_past_two_german(self) -> None:
        assert when("übermorgen um halb drei") == (date(2026, 3, 11), time(14, 30), None, None)

    def test_the_day_after_tomorrow_in_the_morning_russian(self) -> None:
        assert when("послезавтра утром") == (date(2026, 3, 11), None, None, time(12))

    def test_next_tuesday_mornings(self) -> None:
        assert when("nächsten Dienstag vormittags") == (date(2026, 3, 17), None, None, time(12))

    def test_thursday_after_lunch(self) -> None:
        assert when("в четверг после обеда") == (date(2026, 3, 12), None, time(12), time(17))

    @pytest.mark.parametrize("said", ["am 16. März", "16 марта", "am 16.03."])
    def test_a_date_with_its_month(self, said: str) -> None:
        assert when(said)[0] == date(2026, 3, 16)

    def test_half_past_two_russian_in_the_afternoon(self) -> None:
        assert when("в среду в полтретьего") == (date(2026, 3, 11), time(14, 30), None, None)


class TestChoices:
    @pytest.mark.parametrize(
        ("said", "position"),
        [("die zweite", 2), ("den ersten", 1), ("die letzte", -1), ("второй", 2), ("первую", 1)],
    )
    def test_an_option_by_its_position(self, said: str, position: int) -> None:
        assert choose_position(plain_english(said)) == position

    @pytest.mark.parametrize("said", ["den um 10", "давайте в 10", "um 10 Uhr"])
    def test_an_option_by_its_time(self, said: str) -> None:
        assert parse_when(plain_english(said), today=MONDAY).at == time(10)


class TestYesNoAndCorrections:
    @pytest.mark.parametrize("said", ["passt", "gerne", "ja, bitte", "да, подтверждаю", "хорошо"])
    def test_yes(self, said: str) -> None:
        assert classify_answer(said) == "yes"

    @pytest.mark.parametrize("said", ["nee", "nein danke", "не надо", "нет"])
    def test_no(self, said: str) -> None:
        assert classify_answer(said) == "no"

    @pytest.mark.parametrize("said", ["doch lieber Mittwoch", "нет, лучше в среду"])
    def test_a_correction_is_a_change(self, said: str) -> None:
        assert classify_answer(said) == "change"


class TestIntakeFacts:
    @pytest.mark.parametrize(
        ("said", "born"),
        [
            ("Geboren am 3. April 1985", "1985-04-03"),
            ("geboren am 03.04.1985", "1985-04-03"),
            ("Дата рождения 03.04.1985", "1985-04-03"),
            ("родилась 30 января 1988", "1988-01-30"),
        ],
    )
    def test_a_date_of_birth(self, said: str, born: str) -> None:
        found = extract_facts(plain_english(said), wanted=["date_of_birth"], today=MONDAY)
        assert found == {"date_of_birth": born}

    @pytest.mark.parametrize(
        ("said", "demonym"),
        [
            ("deutsche Staatsbürgerin", "German"),
            ("Ich bin Österreicher", "Austrian"),
            ("гражданка России", "Russian"),
            ("я гражданин Казахстана", "Kazakh"),
            ("Гражданство: Украина", "Ukrainian"),
        ],
    )
    def test_a_nationality_as_country_or_demonym(self, said: str, demonym: str) -> None:
        found = extract_facts(plain_english(said), wanted=["nationality"], today=MONDAY)
        assert found == {"nationality": demonym}


class TestNeedsAndNames:
    @pytest.mark.parametrize(
        ("said", "need"),
        [
            ("Ich brauche einen Termin beim Hautarzt", "dermatologist"),
            ("Нужен окулист", "ophthalmologist"),
            ("Мне нужен детский врач", "paediatrician"),
            ("Termin beim Augenarzt", "ophthalmologist"),
        ],
    )
    def test_a_specialty_is_read_in_english(self, said: str, need: str) -> None:
        assert need in (read_search(plain_english(said)).need or "")

    @pytest.mark.parametrize(
        ("said", "name"),
        [("Запишите меня к Иванову", "Иванову"), ("у Петровой", "Петровой")],  # noqa: RUF001
    )
    def test_a_russian_name_in_any_case_is_a_name(self, said: str, name: str) -> None:
        assert read_search(plain_english(said)).provider_name == name

    def test_a_need_keeps_the_clients_own_cyrillic_words(self) -> None:
        said = "Мне нужен терапевт завтра утром"
        need = read_search(plain_english(said)).need or ""
        assert in_own_words(need, said).split()[-1] == "терапевт"

    @pytest.mark.parametrize(
        ("said", "read"),
        [
            ("Ich möchte mit einem Menschen sprechen", "talk to a person"),
            ("Wann haben Sie geöffnet?", "what are your opening hours"),
            ("Какие у вас часы работы?", "what are your opening hours"),  # noqa: RUF001
            ("Какие документы нужны?", "documents"),
        ],
    )
    def test_handoff_and_questions(self, said: str, read: str) -> None:
        assert read in plain_english(said)
