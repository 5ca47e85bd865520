"""A real SMTP server (aiosmtpd) on a free local port that keeps what it is sent.

It can refuse recipients (`refuse`), and hold the n-th message's DATA, and every one after
it, unanswered until the test releases them (`hold_from`): a message whose DATA was never
answered was not accepted, so it is not kept, just as a real server would not deliver it.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

from testkit.processes import free_port


@dataclass(frozen=True)
class Received:
    sender: str
    recipients: list[str]
    message: EmailMessage

    @property
    def message_id(self) -> str:
        return str(self.message["Message-ID"])

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    def part(self, subtype: str) -> str:
        """The text/<subtype> part's content, with the wire's CRLF as \\n ('' if none)."""
        found = self.message.get_body(preferencelist=(subtype,))
        return str(found.get_content()).replace("\r\n", "\n") if found is not None else ""


@dataclass
class Mailbox:
    """The server's handler: what arrived, and the refusals and holds the test asked for."""

    hold_from: int | None = None
    messages: list[Received] = field(default_factory=list)
    refusals: dict[str, str] = field(default_factory=dict)
    held: threading.Event = field(default_factory=threading.Event)
    released: threading.Event = field(default_factory=threading.Event)
    arrivals: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        refusal = self.refusals.get(address)
        if refusal:
            return refusal
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.arrivals += 1
            hold = self.hold_from is not None and self.arrivals >= self.hold_from
            hold = hold and not self.released.is_set()
        if hold:
            self.held.set()
            while not self.released.is_set():
                await asyncio.sleep(0.02)
            return "421 closing"  # never reaches the (killed) client; nothing kept
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        with self.lock:
            self.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos), parsed))
        return "250 Message accepted for delivery"


@dataclass
class SmtpServer:
    host: str
    port: int
    mailbox: Mailbox

    @property
    def messages(self) -> list[Received]:
        with self.mailbox.lock:
            return list(self.mailbox.messages)

    def env(self, sender: str = "desk@practice.example") -> dict[str, str]:
        """The settings that make Frontdesk send its email here."""
        return {
            "FRONTDESK_SMTP_HOST": self.host,
            "FRONTDESK_SMTP_PORT": str(self.port),
            "FRONTDESK_SMTP_FROM": sender,
            "FRONTDESK_SMTP_SECURITY": "none",
        }

    def refuse(self, address: str, reply: str) -> None:
        """Answer RCPT TO for this address with `reply`, e.g. '550 5.1.1 No such user'."""
        self.mailbox.refusals[address] = reply

    def wait_for(self, count: int, timeout: float = 60) -> list[Received]:
        """Wait until at least `count` messages have arrived; return them all."""
        deadline = time.monotonic() + timeout
        while len(self.messages) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"{len(self.messages)} of {count} emails arrived")
            time.sleep(0.02)
        return self.messages

    def wait_until_held(self, timeout: float = 60) -> None:
        if not self.mailbox.held.wait(timeout):
            raise AssertionError("no message was held")

    def release(self) -> None:
        self.mailbox.released.set()


@contextmanager
def smtp_server(*, hold_from: int | None = None) -> Iterator[SmtpServer]:
    """Run an SMTP server on 127.0.0.1 for the block's duration."""
    mailbox = Mailbox(hold_from=hold_from)
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield SmtpServer("127.0.0.1", port, mailbox)
    finally:
        mailbox.released.set()
        controller.stop()
