"""Filling notification templates: sandboxed jinja2, checked against the event's variables."""

from __future__ import annotations

import math
from dataclasses import dataclass
from importlib import resources
from typing import Literal

from jinja2 import StrictUndefined, TemplateError, TemplateSyntaxError, meta
from jinja2.sandbox import SandboxedEnvironment

from domain.notifications.events import Channel, NotificationEvent

# The GSM 03.38 alphabet an SMS can carry 7 bits a character; the extension table costs two.
GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENDED = frozenset("^{}\\[~]|€\f")


@dataclass(frozen=True)
class Wording:
    """A template: a subject (email only) and a body, both jinja2."""

    subject: str
    body: str


@dataclass(frozen=True)
class RenderedNotification:
    subject: str  # empty except for email
    body: str  # HTML for email, plain text for SMS and Telegram


@dataclass(frozen=True)
class SmsSize:
    encoding: Literal["GSM-7", "UCS-2"]
    characters: int  # septets for GSM-7, UTF-16 code units for UCS-2
    segments: int


def built_in_wording(event: str, channel: Channel) -> Wording:
    """Return the wording Frontdesk ships for an event on a channel."""
    defaults = resources.files("domain.notifications").joinpath("defaults")
    body = defaults.joinpath(f"{event}.{channel}.j2").read_text(encoding="utf-8")
    subject = ""
    if channel == "email":
        subject = defaults.joinpath(f"{event}.subject.j2").read_text(encoding="utf-8")
    return Wording(subject=subject.strip(), body=body)


Problem = tuple[str, str]  # the field at fault (subject or body) and what is wrong with it


def problems_with(event: NotificationEvent, channel: Channel, wording: Wording) -> list[Problem]:
    """Say what is wrong with a template, field by field: syntax, unknown names, sample render."""
    problems = [("subject", p) for p in _subject_rules(channel, wording.subject)]
    if not wording.body.strip():
        problems.append(("body", "a notification needs a body."))
    declared = {v.name for v in event.variables}
    for field, source in (("subject", wording.subject), ("body", wording.body)):
        if not source.strip():
            continue
        environment = _environment(html=field == "body" and channel == "email")
        try:
            names = meta.find_undeclared_variables(environment.parse(source))
        except TemplateSyntaxError as exc:
            problems.append((field, f"line {exc.lineno}: {exc.message}"))
            continue
        unknown = sorted(names - declared - set(environment.globals))
        if unknown:
            problems.append(
                (
                    field,
                    f"unknown variables {', '.join(unknown)}; {event.name} offers "
                    f"{', '.join(sorted(declared))}.",
                )
            )
            continue
        try:
            environment.from_string(source).render(event.sample())
        except TemplateError as exc:
            problems.append((field, f"it fails with sample data: {exc.message or exc}"))
        except Exception as exc:  # an admin's expression, e.g. a division by zero
            problems.append((field, f"it fails with sample data: {exc}"))
    return problems


def render(channel: Channel, wording: Wording, context: dict[str, object]) -> RenderedNotification:
    """Fill a checked template; a variable missing from the context raises TemplateError."""
    subject = ""
    if channel == "email":
        subject_text = _environment(html=False).from_string(wording.subject).render(context)
        subject = " ".join(subject_text.split())  # one line: a newline would end the header
    body = _environment(html=channel == "email").from_string(wording.body).render(context)
    return RenderedNotification(subject=subject, body=body.strip())


def sms_size(text: str) -> SmsSize:
    """Count what an SMS of this text costs: 160/153 GSM-7 characters or 70/67 UCS-2 ones."""
    if all(c in GSM_BASIC or c in GSM_EXTENDED for c in text):
        characters = sum(2 if c in GSM_EXTENDED else 1 for c in text)
        return SmsSize("GSM-7", characters, _segments(characters, single=160, each=153))
    characters = len(text.encode("utf-16-le")) // 2
    return SmsSize("UCS-2", characters, _segments(characters, single=70, each=67))


def _segments(characters: int, *, single: int, each: int) -> int:
    if characters <= single:
        return 1 if characters else 0
    return math.ceil(characters / each)


def _subject_rules(channel: Channel, subject: str) -> list[str]:
    if channel == "email" and not subject.strip():
        return ["an email needs a subject."]
    if channel != "email" and subject:
        return [f"only email has a subject; leave it empty for {channel}."]
    return []


def _environment(*, html: bool) -> SandboxedEnvironment:
    # Sandboxed: admins write these, and plain jinja2 can reach Python's internals.
    # StrictUndefined: "Dear ," is worse than a message that is not sent.
    # autoescape only for HTML email: SMS and Telegram are plain text, where &amp; shows.
    return SandboxedEnvironment(
        undefined=StrictUndefined, autoescape=html, trim_blocks=True, lstrip_blocks=True
    )
