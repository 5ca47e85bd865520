"""How entries look in Telegram: escaped text, a short card, buttons within 64 bytes."""

from __future__ import annotations

from typing import Any

from channels.telegram.keyboards import Tapped, inline_keyboard, read_button_data
from channels.telegram.texts import MAX_MESSAGE, entry_html


def entry(**fields: Any) -> dict[str, Any]:
    return {"entry_id": 123456789012, "author": "agent", "text": "", **fields}


def test_button_data_names_the_entry_and_the_button_within_64_bytes() -> None:
    long_label = "Tue 10 Mar 09:30 · Dr. Anna-Katharina von Hohenberg-Lichtenstein " * 3
    offered = entry(buttons=[{"label": long_label, "value": long_label}] * 6)

    keyboard = inline_keyboard(offered)

    assert keyboard is not None
    data = [str(row[0].callback_data) for row in keyboard.inline_keyboard]
    assert data == [f"b:123456789012:{i}" for i in range(6)]
    assert all(len(d.encode()) <= 64 for d in data)
    assert read_button_data(data[5]) == Tapped(123456789012, 5)


def test_data_this_bot_never_sent_is_not_read() -> None:
    for data in (None, "", "b:1", "b:x:1", "b:1:2:3", "x:1:2", "b:1:100"):
        assert read_button_data(data) is None


def test_an_entry_without_buttons_has_no_keyboard() -> None:
    assert inline_keyboard(entry(buttons=[])) is None


def test_text_is_escaped_and_a_person_is_named() -> None:
    said = entry(author="staff", name="Dr. <Keller>", text="1 < 2 & <b>bold</b>")

    assert entry_html(said) == "<b>Dr. &lt;Keller&gt;</b>: 1 &lt; 2 &amp; &lt;b&gt;bold&lt;/b&gt;"


def test_a_card_and_the_documents_asked_for_follow_the_text() -> None:
    card = {
        "booking_id": "b1",
        "status": "confirmed",
        "service": "Dermatology consultation",
        "provider": "Dr. Weber",
        "when": "Tue 10 Mar 09:30",
        "location": "Berlin Mitte",
        "price": "80.00 EUR",
        "forms": [],
    }
    documents = [
        {"request_id": "r1", "kind_id": "card", "name": "Insurance card", "status": "requested"}
    ]

    html = entry_html(entry(text="Booked!", card=card, documents=documents))

    assert html.splitlines() == [
        "Booked!",
        "",
        "<b>Booking confirmed</b>",
        "Dermatology consultation · Dr. Weber",
        "Tue 10 Mar 09:30",
        "Berlin Mitte",
        "80.00 EUR",
        "",
        "📎 Please send Insurance card here as a photo or a file (PDF, image or Word).",
    ]


def test_a_long_text_is_cut_to_telegrams_limit_between_words() -> None:
    html = entry_html(entry(text="word & " * 2000))

    assert len(html) <= MAX_MESSAGE
    assert html.endswith("…")
    assert "&amp…" not in html
