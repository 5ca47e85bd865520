"""Replies as text messages: numbered choices, one-line bookings, at most three segments."""

from __future__ import annotations

from typing import Any

import pytest

from channels.sms.formatting import MAX_SEGMENTS, entry_text, fit
from channels.sms.inbound import keyword
from domain.booking.references import booking_reference
from domain.notifications.rendering import sms_size

PUBLIC = "https://frontdesk.example.org"
SLOTS = [
    {"label": "Tue 10 Mar 2026, 09:00 · Dr. Sabine Lehmann", "value": "09:00 with Lehmann"},
    {"label": "Tue 10 Mar 2026, 09:30 · Dr. Sabine Lehmann", "value": "09:30 with Lehmann"},
    {"label": "Tue 10 Mar 2026, 10:00 · Dr. Sabine Lehmann", "value": "10:00 with Lehmann"},
]
CARD: dict[str, Any] = {
    "booking_id": "74150cc4e1f94d7a9d2b000000000000",
    "status": "confirmed",
    "service": "Dermatology consultation",
    "provider": "Dr. Sabine Lehmann",
    "when": "Tue 10 Mar 2026, 09:30",
    "location": "Berlin Mitte",
    "price": "80.00 EUR",
    "forms": [{"filename": "intake.docx", "url": "/forms/abc?expires=1&signature=ff"}],
}


def entry(text: str, **more: Any) -> dict[str, Any]:
    return {"author": "agent", "text": text, "buttons": [], "card": None, "documents": [], **more}


class TestChoices:
    def test_buttons_become_numbered_lines_and_a_reply_hint(self) -> None:
        text = entry_text(entry("Which time suits you?", buttons=SLOTS), public_url=PUBLIC)
        assert text.splitlines() == [
            "Which time suits you?",
            "1) Tue 10 Mar 2026, 09:00 - Dr. Sabine Lehmann",
            "2) Tue 10 Mar 2026, 09:30 - Dr. Sabine Lehmann",
            "3) Tue 10 Mar 2026, 10:00 - Dr. Sabine Lehmann",
            "Reply 1, 2 or 3.",
        ]

    def test_a_list_the_reply_spells_out_gives_way_to_the_numbered_choices(self) -> None:
        reply = "Dr. Lehmann has these times:\n1. Tue 09:00\n2. Tue 09:30\n3. Tue 10:00"
        text = entry_text(entry(reply, buttons=SLOTS), public_url=PUBLIC)
        assert text.splitlines()[0] == "Dr. Lehmann has these times:"
        assert "1. Tue 09:00" not in text
        assert text.endswith("Reply 1, 2 or 3.")

    def test_two_choices_read_naturally(self) -> None:
        buttons = [{"label": "Confirm", "value": "Confirm"}, {"label": "Change", "value": "Change"}]
        text = entry_text(entry("Shall I confirm it?", buttons=buttons), public_url=PUBLIC)
        assert text.endswith("1) Confirm\n2) Change\nReply 1 or 2.")


class TestBookingCard:
    def test_a_booking_is_one_line_with_its_reference_and_the_form_link(self) -> None:
        text = entry_text(entry("You're booked: a long story...", card=CARD), public_url=PUBLIC)
        assert text.splitlines() == [
            "Booked: Dermatology consultation with Dr. Sabine Lehmann, Tue 10 Mar 2026, 09:30. "
            "Ref 74150CC4.",
            f"Form: {PUBLIC}/forms/abc?expires=1&signature=ff",
        ]
        assert booking_reference("74150cc4e1f94d7a") == "74150CC4"

    def test_without_a_public_address_no_unusable_link_is_sent(self) -> None:
        text = entry_text(entry("Booked.", card=CARD), public_url=None)
        assert "/forms/" not in text
        assert "forms are ready" in text

    def test_requested_documents_say_how_to_send_them(self) -> None:
        documents = [{"request_id": 1, "kind_id": "passport", "name": "Passport", "status": "x"}]
        text = entry_text(entry("Please send us:", documents=documents), public_url=PUBLIC)
        assert "Documents needed: Passport." in text
        assert "web chat" in text


class TestLength:
    def test_long_gsm_text_is_cut_at_a_word_boundary_within_three_segments(self) -> None:
        prose = " ".join(f"word{n}" for n in range(200))
        text = entry_text(entry(prose, buttons=SLOTS), public_url=PUBLIC)
        size = sms_size(text)
        assert (size.encoding, size.segments) == ("GSM-7", MAX_SEGMENTS)
        kept_prose = text.split("\n")[0]
        assert kept_prose.endswith("...")
        assert prose.startswith(kept_prose.removesuffix("..."))
        assert prose[len(kept_prose) - 3] == " "  # the cut fell between two words
        assert text.endswith("Reply 1, 2 or 3.")

    def test_an_emoji_makes_the_text_ucs2_and_it_is_cut_to_ucs2_segments(self) -> None:
        prose = "Thanks 🙂 " + " ".join(f"word{n}" for n in range(60))
        text = fit(prose, ["Reply 1 or 2."])
        size = sms_size(text)
        assert size.encoding == "UCS-2"
        assert size.characters <= 3 * 67
        assert len(text) < 3 * 153  # what GSM-7 would have allowed
        assert text.endswith("...\nReply 1 or 2.")

    @pytest.mark.parametrize(
        ("word", "encoding"),
        [("Grüße aus Köln", "GSM-7"), ("Zoë", "UCS-2"), ("Łódź", "UCS-2")],
    )
    def test_german_umlauts_are_gsm7_other_accents_need_ucs2(
        self, word: str, encoding: str
    ) -> None:
        assert sms_size(fit(word, [])).encoding == encoding

    def test_typographic_dashes_and_quotes_do_not_force_ucs2(self) -> None:
        text = fit("It\u2019s 09:00 \u2013 09:30 · “room 2”…", [])
        assert text == 'It\'s 09:00 - 09:30 - "room 2"...'
        assert sms_size(text).encoding == "GSM-7"

    def test_short_text_is_left_whole(self) -> None:
        assert fit("See you soon.", []) == "See you soon."


class TestKeywords:
    @pytest.mark.parametrize("body", ["STOP", " stop ", "Unsubscribe", "quit", "OptOut", "revoke"])
    def test_stop_words_opt_out_in_any_case(self, body: str) -> None:
        assert keyword(body, opted_out=False) == "stop"

    @pytest.mark.parametrize("body", ["stop the reminders", "please stop", "cancel my booking"])
    def test_a_keyword_must_be_the_whole_message(self, body: str) -> None:
        assert keyword(body, opted_out=False) is None

    def test_yes_resubscribes_only_an_opted_out_number(self) -> None:
        assert keyword("yes", opted_out=True) == "start"
        assert keyword("yes", opted_out=False) is None
        assert keyword("UNSTOP", opted_out=False) == "start"

    @pytest.mark.parametrize("body", ["HELP", "info"])
    def test_help_words(self, body: str) -> None:
        assert keyword(body, opted_out=False) == "help"
