"""What a text message says around the agent's reply, in the client's language."""

from __future__ import annotations

PHRASES: dict[str, dict[str, str]] = {
    "en": {
        "reply_one": "Reply 1.",
        "reply_many": "Reply {first} or {last}.",
        "booking": "{status}: {service} with {provider}, {when}. Ref {ref}.",
        "confirmed": "Booked",
        "cancelled": "Cancelled",
        "forms_ask": "Your booking forms are ready; ask us for them.",
        "form": "Form: {url}",
        "documents": (
            "Documents needed: {names}. Files cannot be sent by text message: bring them to "
            "your appointment or send them through our web chat."
        ),
    },
    "de": {
        "reply_one": "Antworten Sie 1.",
        "reply_many": "Antworten Sie {first} oder {last}.",
        "booking": "{status}: {service} bei {provider}, {when}. Ref {ref}.",
        "confirmed": "Gebucht",
        "cancelled": "Abgesagt",
        "forms_ask": "Ihre Formulare sind fertig; fragen Sie uns danach.",
        "form": "Formular: {url}",
        "documents": (
            "Benötigte Unterlagen: {names}. Dateien gehen nicht per SMS: bringen Sie sie zum "
            "Termin mit oder senden Sie sie über unseren Web-Chat."
        ),
    },
    "ru": {
        "reply_one": "Ответьте 1.",
        "reply_many": "Ответьте {first} или {last}.",
        "booking": "{status}: {service}, {provider}, {when}. Номер {ref}.",
        "confirmed": "Записано",
        "cancelled": "Отменено",
        "forms_ask": "Ваши формы готовы; спросите их у нас.",
        "form": "Форма: {url}",
        "documents": (
            "Нужные документы: {names}. Файлы нельзя отправить по SMS: принесите их на приём "
            "или отправьте через наш веб-чат."
        ),
    },
}


def phrase(language: str | None, key: str, **values: str) -> str:
    """Return a phrase in the language (English when the language has none)."""
    wording = PHRASES.get(language or "en", PHRASES["en"])
    return wording.get(key, PHRASES["en"][key]).format(**values)
