"""How the offline model hears who a visitor says they are, and a one-time code."""

from __future__ import annotations

import pytest

from agent.offline.identity import Contact, read_code, read_contact
from prompts import render


@pytest.mark.parametrize(
    ("message", "contact"),
    [
        ("I'm Lisa Browser, +49 170 5550199", Contact("Lisa Browser", "+49 170 5550199", None)),
        ("Anna Weber, anna@example.org", Contact("Anna Weber", None, "anna@example.org")),
        (
            "my name is jo smith and my phone is 0170 555 0101",
            Contact("Jo Smith", "0170 555 0101", None),
        ),
        (
            "Hi, this is Maria Schulz. My number is +49 30 1234567",
            Contact("Maria Schulz", "+49 30 1234567", None),
        ),
        ("+49 170 5550199", Contact(None, "+49 170 5550199", None)),
        ("Call me at 030-1234567 or mail me: me@x.de", Contact(None, "030-1234567", "me@x.de")),
        # National numbers are read as written; the domain reads them in the practice's region.
        ("Markus Wolf, 0170 34419208", Contact("Markus Wolf", "0170 34419208", None)),
        ("Markus Wolf 0170/344 192-08", Contact("Markus Wolf", "0170/344 192-08", None)),
        ("I'm Jane Roe, (416) 555-0199", Contact("Jane Roe", "(416) 555-0199", None)),
        ("Jane Roe 416.555.0199", Contact("Jane Roe", "416.555.0199", None)),
        ("Jane Roe, +1 (416) 555-0199", Contact("Jane Roe", "+1 (416) 555-0199", None)),
    ],
)
def test_a_name_with_a_phone_or_email_is_read_as_contact_details(
    message: str, contact: Contact
) -> None:
    assert read_contact(message) == contact


@pytest.mark.parametrize(
    "message",
    ["I need a dermatologist on Tuesday", "Is 14:30 free on 12.03.2026?", "Room 12, 3rd floor"],
)
def test_messages_without_a_phone_or_email_are_not_contact_details(message: str) -> None:
    assert read_contact(message) is None


@pytest.mark.parametrize(
    ("message", "code"),
    [("123456", "123456"), (" 654321 ", "654321"), ("The code is 042042.", "042042")],
)
def test_a_six_digit_code_is_read(message: str, code: str) -> None:
    assert read_code(message) == code


@pytest.mark.parametrize("message", ["12345", "1234567", "123 456", "book 123456 and 654321"])
def test_anything_else_is_not_a_code(message: str) -> None:
    assert read_code(message) is None


@pytest.mark.parametrize("status", ["registered", "signed_in"])
def test_the_greeting_after_identifying_names_the_client(status: str) -> None:
    # A template variable called `name` once collided with render's own template argument.
    said = render("offline/identified", name="Maria Lopez", status=status)
    assert said.startswith("Thank you, Maria Lopez, you're")
