"""Replies in the client's language: every template in every language, dates, times, prices."""

from __future__ import annotations

from pathlib import Path

import pytest

from domain.kernel.languages import SUPPORTED
from prompts import render
from prompts.localising import localised_price, localised_when
from prompts.notices import localised_note

TEMPLATES = Path(__file__).parents[2] / "prompts" / "templates"
# Replies the client reads; the system prompt, the dialogue state and the simulated client
# are written for models, in English.
FOR_MODELS = {"system", "dialogue_state", "simulated_client"}
CLIENT_FOLDERS = ("", "offline", "buttons")


def english_templates() -> list[str]:
    names = []
    for folder in CLIENT_FOLDERS:
        for path in sorted((TEMPLATES / folder).glob("*.j2")):
            if path.stem not in FOR_MODELS:
                names.append(f"{folder}/{path.stem}" if folder else path.stem)
    return names


@pytest.mark.parametrize("language", [code for code in SUPPORTED if code != "en"])
def test_every_client_template_has_every_language(language: str) -> None:
    missing = []
    for name in english_templates():
        folder, _, base = name.rpartition("/")
        variant = TEMPLATES / folder / language / f"{base}.j2"
        if not variant.exists():
            missing.append(name)
    assert missing == []


def test_a_template_without_a_variant_falls_back_to_english() -> None:
    assert render("offline/greeting", language="xx") == render("offline/greeting")


BOOKING = {
    "service": "Dermatology consultation",
    "provider": "Dr. Sabine Lehmann",
    "start": "Thu 12 Mar, 09:30",
    "location": "Berlin Mitte",
}


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "Done: your Dermatology consultation with Dr. Sabine Lehmann on Thu 12 Mar"),
        (
            "de",
            "Erledigt: Ihr Termin Dermatology consultation bei Dr. Sabine Lehmann am Do., 12. März",
        ),
        (
            "ru",
            "Готово: ваша запись Dermatology consultation к специалисту Dr. Sabine Lehmann (чт, 12",
        ),
    ],
)
def test_a_reply_is_written_in_the_language_with_its_dates(language: str, expected: str) -> None:
    assert render("offline/cancelled", language=language, booking=BOOKING).startswith(expected)


class TestLocalFormats:
    @pytest.mark.parametrize(
        ("when", "language", "expected"),
        [
            ("Thu 12 Mar, 09:30", "de", "Do., 12. März, 09:30"),
            ("Thu 12 Mar, 09:30", "ru", "чт, 12 мар., 09:30"),
            ("tomorrow, 08:00", "de", "morgen, 08:00"),
            ("today, 08:00", "ru", "сегодня, 08:00"),
            ("Tue 2 Mar 2027, 14:30", "de", "Di., 2. März 2027, 14:30"),
            ("Thu 12 Mar, 09:30 with Dr. Weber", "de", "Do., 12. März, 09:30 bei Dr. Weber"),
            ("tomorrow, 09:00 EST", "ru", "завтра, 09:00 EST"),
            ("Thu 12 Mar, 09:30", "en", "Thu 12 Mar, 09:30"),
            ("not a day", "de", "not a day"),
        ],
    )
    def test_days_and_times(self, when: str, language: str, expected: str) -> None:
        assert localised_when(when, language) == expected

    @pytest.mark.parametrize(
        ("language", "expected"),
        [("en", "80.00 EUR"), ("de", "80,00\xa0€"), ("ru", "80,00\xa0€")],
    )
    def test_prices(self, language: str, expected: str) -> None:
        assert localised_price("80.00", "EUR", language) == expected


class TestNoticeSentences:
    HOLD = (
        "This appointment starts in less than 24 hours, so once booked it can no longer be "
        "changed online. To change or cancel it later, call the practice on +49 30 1 or email "
        "a@b.example."
    )
    PAST = (
        "This appointment can no longer be changed online: appointments can be cancelled online "
        "only up to 24 hours before they start, and this one could have been cancelled until "
        "Thu 12 Mar, 09:30. To cancel it, email the practice at a@b.example."
    )

    def test_the_practices_notice_is_told_in_german_and_russian(self) -> None:
        assert localised_note(self.HOLD, "de") == (
            "Dieser Termin beginnt in weniger als 24 Stunden und kann nach der Buchung nicht "
            "mehr online geändert werden. Um ihn später zu ändern oder abzusagen, rufen Sie die "
            "Praxis unter +49 30 1 an oder schreiben Sie an a@b.example."
        )
        assert "до чт, 12 мар., 09:30" in localised_note(self.PAST, "ru")
        assert "напишите в практику на a@b.example" in localised_note(self.PAST, "ru")

    @pytest.mark.parametrize(
        ("sentence", "language", "expected"),
        [
            (
                "Appointments can be booked at most 60 days ahead, up to Fri 8 May 2026.",
                "de",
                "Termine können höchstens 60 Tage im Voraus gebucht werden, bis Fr., 8. Mai 2026.",
            ),
            (
                "Appointments need at least 120 minutes' notice; the earliest possible start is "
                "today, 11:00.",
                "ru",
                "Записываться нужно не позднее чем за 120 мин.; самое раннее возможное время — "
                "сегодня, 11:00.",
            ),
            (
                "Sorry, tomorrow, 08:45 with Dr. Weber is already taken.",
                "de",
                "Leider ist morgen, 08:45 bei Dr. Weber schon vergeben.",
            ),
            (
                "Dr. Weber is away on Thu 5 Mar, 08:00.",
                "de",
                "Dr. Weber ist am Do., 5. März, 08:00 nicht da.",
            ),
        ],
    )
    def test_why_a_start_is_not_free_is_told_in_the_language(
        self, sentence: str, language: str, expected: str
    ) -> None:
        assert localised_note(sentence, language) == expected

    def test_joined_sentences_are_told_one_by_one(self) -> None:
        joined = (
            "Sorry, tomorrow, 08:45 with Dr. Weber is already taken. Dr. Weber is away on "
            "Thu 5 Mar, 08:00. Something else."
        )
        assert localised_note(joined, "de") == (
            "Leider ist morgen, 08:45 bei Dr. Weber schon vergeben. Dr. Weber ist am Do., "
            "5. März, 08:00 nicht da. Something else."
        )

    def test_an_unknown_sentence_and_english_are_left_as_they_are(self) -> None:
        assert localised_note("Something else.", "de") == "Something else."
        assert localised_note(self.HOLD, "en") == self.HOLD
