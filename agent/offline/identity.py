"""Reading who a visitor says they are: a name with a phone number or email, or a code."""

from __future__ import annotations

import re
from dataclasses import dataclass

EMAIL = re.compile(r"[^@\s,;]+@[^@\s,;]+\.[A-Za-z]{2,}")
PHONE = re.compile(r"(?<![\w+(])(?:\+|\()?\d[\d\s\-/().]{5,}\d")
# 12.03.2026 or 2026-03-12 has enough digits for a phone number but is a date.
DATE = re.compile(r"\d{1,4}[./-]\d{1,2}[./-]\d{1,4}")
CODE = re.compile(r"^\D*?(\d{6})\D*$")
INTRODUCED = re.compile(
    r"\b(?:i am|i'm|im|my name is|this is|name is|name:)\s+"
    r"([^\W\d_][\w'\-.]*(?:\s+[^\W\d_][\w'\-.]*){0,3})",
    re.IGNORECASE,
)
FILLER = frozenset(
    {"and", "my", "phone", "number", "is", "email", "mail", "e-mail", "address", "tel",
     "mobile", "it's", "its", "you", "can", "reach", "me", "at", "on", "hi", "hello", "here"}
)  # fmt: skip


@dataclass(frozen=True)
class Contact:
    name: str | None
    phone: str | None
    email: str | None


def read_contact(text: str) -> Contact | None:
    """Return the name, phone and email in a message, when it gives a phone or an email."""
    email_match = EMAIL.search(text)
    rest = EMAIL.sub(" ", text)
    phones = [
        m.group(0)
        for m in PHONE.finditer(rest)
        if sum(c.isdigit() for c in m.group(0)) >= 7 and not DATE.fullmatch(m.group(0).strip())
    ]
    if email_match is None and not phones:
        return None
    return Contact(
        name=_name(PHONE.sub(" ", rest)),
        phone=phones[0].strip() if phones else None,
        email=email_match.group(0) if email_match else None,
    )


def read_code(text: str) -> str | None:
    """Return the six-digit code a message consists of, if it is one."""
    found = CODE.match(text.strip())
    return found.group(1) if found else None


def _name(text: str) -> str | None:
    introduced = INTRODUCED.search(text)
    words = re.split(r"[\s,;:!]+", introduced.group(1) if introduced else text)
    kept = [w for w in (w.strip(".,;:!") for w in words) if w and w.lower() not in FILLER]
    if introduced:
        # "my name is jo smith" says it is a name however it is written.
        kept = [w if w[0].isupper() else w.capitalize() for w in kept]
    if not 1 <= len(kept) <= 4 or not all(w[0].isupper() for w in kept):
        return None
    return " ".join(kept)
