"""Text messages in the client's language: Cyrillic is billed as UCS-2 and still fits three."""

from __future__ import annotations

from typing import Any

from channels.sms.formatting import MAX_SEGMENTS, entry_text
from domain.notifications.rendering import sms_size
from prompts import render

PUBLIC = "https://frontdesk.example.org"
SLOTS = [
    {"label": f"чт, 12 мар., {time} · Dr. Sabine Lehmann", "value": f"{time} with Lehmann"}
    for time in ("09:00", "09:30", "10:00", "10:30", "11:00", "11:30")
]
CARD: dict[str, Any] = {
    "booking_id": "74150cc4e1f94d7a9d2b000000000000",
    "status": "confirmed",
    "service": "Консультация дерматолога",
    "provider": "Dr. Sabine Lehmann",
    "when": "чт, 12 мар., 09:30",
    "location": "Berlin Mitte",
    "price": "80,00 €",
    "forms": [{"filename": "intake.docx", "url": "/forms/abc?expires=1&signature=ff"}],
}


def entry(text: str, **more: Any) -> dict[str, Any]:
    return {"author": "agent", "text": text, "buttons": [], "card": None, "documents": [], **more}


def test_a_russian_offer_is_counted_in_ucs2_segments_and_fits_three() -> None:
    offer = render(
        "offline/offer",
        language="ru",
        missed="",
        providers=["Dr. Sabine Lehmann"],
        slots=[{"service": "Консультация дерматолога"}],
        choices=[slot["label"] for slot in SLOTS],
    )
    text = entry_text(entry(offer, buttons=SLOTS, language="ru"), public_url=PUBLIC)
    size = sms_size(text)
    assert size.encoding == "UCS-2"
    assert size.segments <= MAX_SEGMENTS
    assert text.endswith("Ответьте 1, 2, 3, 4, 5 или 6.")
    assert "6) чт, 12 мар., 11:30" in text


def test_a_long_russian_reply_is_cut_to_three_ucs2_segments() -> None:
    long_reply = " ".join(["Пожалуйста, принесите медицинскую карту и паспорт."] * 20)
    text = entry_text(entry(long_reply, language="ru"), public_url=PUBLIC)
    assert sms_size(text).segments == MAX_SEGMENTS
    assert sms_size(long_reply).segments > MAX_SEGMENTS


def test_a_booking_line_and_documents_are_worded_in_the_clients_language() -> None:
    documents = [{"request_id": "r1", "kind_id": "card", "name": "Страховая карта"}]
    text = entry_text(
        entry("Вы записаны.", card=CARD, documents=documents, language="ru"), public_url=PUBLIC
    )
    assert text.startswith("Записано: Консультация дерматолога, Dr. Sabine Lehmann, чт, 12 мар.")
    assert "Форма: https://frontdesk.example.org/forms/abc" in text
    assert "Нужные документы: Страховая карта." in text
    assert sms_size(text).segments <= MAX_SEGMENTS


def test_german_choices_are_worded_in_german_and_stay_gsm7_where_they_can() -> None:
    slots = [{"label": "Do., 12. März, 09:00 · Dr. Weber", "value": "x"}] * 2
    text = entry_text(entry("Welche passt Ihnen?", buttons=slots, language="de"), public_url=None)
    assert text.endswith("Antworten Sie 1 oder 2.")
    assert sms_size(text).encoding == "GSM-7"


def test_an_entry_without_a_language_is_worded_in_english() -> None:
    slots = [{"label": "Thu 12 Mar, 09:00 · Dr. Weber", "value": "x"}] * 2
    assert entry_text(entry("Which?", buttons=slots), public_url=None).endswith("Reply 1 or 2.")
