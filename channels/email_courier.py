"""Sending notifications by email through an SMTP server, off the event loop.

Bodies are rendered as HTML (admins write email templates in HTML); each message carries a
plain-text part made from it first, for clients whose mail reads text only, and the HTML as
the alternative. The Message-ID is the notification's own, so a copy sent twice (the worker
died between the server's acceptance and recording it) is recognisable as the same message.
"""

from __future__ import annotations

import re
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, parseaddr
from html import unescape
from html.parser import HTMLParser

from anyio import to_thread

from channels.couriers import DeliveryFailed, Outgoing

TIMEOUT_SECONDS = 30
SECURITIES = ("none", "starttls", "tls")


class EmailCourier:
    channel = "email"

    def __init__(
        self,
        *,
        host: str,
        port: int,
        sender: str,
        username: str | None = None,
        password: str | None = None,
        security: str = "starttls",
    ) -> None:
        if security not in SECURITIES:
            raise ValueError(f"SMTP security must be one of {', '.join(SECURITIES)}")
        self.host, self.port, self.sender = host, port, sender
        self.username, self.password, self.security = username, password, security
        self.domain = parseaddr(sender)[1].rpartition("@")[2] or "frontdesk.invalid"

    async def send(self, message: Outgoing) -> str | None:
        """Send one email; return its Message-ID."""
        email = self.compose(message)
        await to_thread.run_sync(self._deliver, email)
        return str(email["Message-ID"])

    def compose(self, message: Outgoing) -> EmailMessage:
        email = EmailMessage()
        email["From"] = self.sender
        email["To"] = message.to
        email["Subject"] = message.subject
        email["Date"] = formatdate(localtime=False)
        email["Message-ID"] = f"<notification-{message.notification_id}@{self.domain}>"
        if looks_like_html(message.body):
            email.set_content(plain_text(message.body))
            email.add_alternative(message.body, subtype="html")
        else:
            email.set_content(message.body)
        return email

    def _deliver(self, email: EmailMessage) -> None:
        try:
            with self._connect() as smtp:
                if self.username:
                    smtp.login(self.username, self.password or "")
                smtp.send_message(email)
        except smtplib.SMTPRecipientsRefused as exc:
            code, reply = next(iter(exc.recipients.values()))
            raise _refusal(code, reply) from exc
        except smtplib.SMTPAuthenticationError as exc:
            # The practice's credentials are wrong, not the message: retry once they are fixed.
            raise DeliveryFailed(f"SMTP sign-in refused: {_text(exc.smtp_error)}") from exc
        except smtplib.SMTPResponseException as exc:
            raise _refusal(exc.smtp_code, exc.smtp_error) from exc
        except (smtplib.SMTPException, OSError) as exc:  # connection refused, reset, timed out
            raise DeliveryFailed(f"SMTP server unreachable: {exc}") from exc

    def _connect(self) -> smtplib.SMTP:
        if self.security == "tls":
            return smtplib.SMTP_SSL(
                self.host, self.port, timeout=TIMEOUT_SECONDS, context=ssl.create_default_context()
            )
        smtp = smtplib.SMTP(self.host, self.port, timeout=TIMEOUT_SECONDS)
        if self.security == "starttls":
            try:
                smtp.starttls(context=ssl.create_default_context())
            except BaseException:
                smtp.close()
                raise
        return smtp


def _refusal(code: int, reply: bytes | str) -> DeliveryFailed:
    """5xx is the server's final word; 4xx (and anything else) is worth another try."""
    return DeliveryFailed(f"SMTP {code}: {_text(reply)}", permanent=500 <= code < 600)


def _text(reply: bytes | str) -> str:
    return reply.decode(errors="replace") if isinstance(reply, bytes) else reply


def looks_like_html(body: str) -> bool:
    return body.lstrip().startswith("<")


class _TextMaker(HTMLParser):
    BREAKS = frozenset({"p", "div", "br", "ul", "ol", "h1", "h2", "h3", "table", "tr"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "li":
            self.parts.append("\n- ")
        elif tag in self.BREAKS:
            self.parts.append("\n")
        if tag == "a":
            self.links.extend(value for name, value in attrs if name == "href" and value)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.BREAKS:
            self.parts.append("\n")
        if tag == "a" and self.links:
            self.parts.append(f" ({self.links.pop()})")

    def handle_data(self, data: str) -> None:
        # Runs of whitespace, the line breaks of the source included, read as one space.
        self.parts.append(re.sub(r"\s+", " ", data))


def plain_text(html: str) -> str:
    """The text of an HTML body, paragraphs and list items on lines of their own."""
    maker = _TextMaker()
    maker.feed(html)
    maker.close()
    lines = [" ".join(line.split()) for line in unescape("".join(maker.parts)).splitlines()]
    text = "\n".join(lines)
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    return text.strip() + "\n"
