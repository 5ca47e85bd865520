"""Notify: notifications delivered per second by the worker to a local SMTP server.

The worker's whole path is measured: outbox messages (one-time codes, which need no booking)
fanned out into notifications, claimed in batches, sent by EmailCourier (one SMTP connection
each, off the event loop, a few at once) and each outcome committed. The baseline sends the
same number of emails with plain smtplib, one connection each, one after another, to the same
aiosmtpd server in the same run: the cost of SMTP alone.
"""

from __future__ import annotations

import asyncio
import smtplib
import tempfile
import time
from email.message import EmailMessage

from bench.common import (
    Figures,
    PostgresDatabases,
    fmt,
    frozen_clock,
    markdown_table,
    migrated_engine,
    sqlite_url,
)
from channels.delivery_worker import DeliveryWorker
from channels.email_courier import EmailCourier
from domain.clients.registration import register_client
from domain.kernel.actors import SYSTEM
from domain.kernel.journal import enqueue
from domain.kernel.uow import UnitOfWork
from domain.notifications.codes import CODE_EVENT
from testkit.smtp_server import SmtpServer, smtp_server

MESSAGES = 300
SENDER = "desk@bench.example"


def run(pg: PostgresDatabases | None) -> Figures:
    figures: Figures = {}
    rows: list[list[object]] = []
    with smtp_server() as mail, tempfile.TemporaryDirectory(prefix="frontdesk-bench-") as tmp:
        baseline = MESSAGES / plain_smtplib(mail)
        figures["smtplib_baseline.per_second"] = baseline
        rows.append(["plain smtplib, one by one", "-", fmt(baseline)])
        urls = {"sqlite": sqlite_url(tmp, "notify")}
        if pg is not None:
            urls["postgresql"] = pg.url(pg.new_database("notify"))
        for backend, url in urls.items():
            rate = MESSAGES / through_the_worker(url, mail)
            figures[f"{backend}.worker.per_second"] = rate
            rows.append(["frontdesk worker", backend, fmt(rate)])
    print(f"### notify: {MESSAGES} emails to a local aiosmtpd server\n")
    print(markdown_table(["sender", "database", "emails/s"], rows))
    print(
        "\nThe worker claims 20 at a time and keeps 4 sends in flight; each send is committed"
        " as\nsent on its own, so a killed worker repeats at most the one in hand.\n"
    )
    return figures


def through_the_worker(url: str, mail: SmtpServer) -> float:
    """Seconds the worker takes to deliver MESSAGES codes enqueued beforehand."""
    engine = migrated_engine(url)
    clock = frozen_clock()
    client = register_client(
        uow=UnitOfWork(engine, clock), actor=SYSTEM, name="Bench", idempotency_key="bench-client"
    )
    with UnitOfWork(engine, clock) as uow:
        for number in range(MESSAGES):
            enqueue(
                uow,
                event=CODE_EVENT,
                subject_id=client.id,
                payload={
                    "channel": "email",
                    "to": f"client{number}@bench.example",
                    "code": f"{number:06d}",
                    "client_id": client.id,
                },
            )
        uow.commit()
    before = len(mail.messages)
    courier = EmailCourier(host=mail.host, port=mail.port, sender=SENDER, security="none")
    worker = DeliveryWorker(uow=lambda: UnitOfWork(engine, clock), couriers={"email": courier})
    started = time.perf_counter()
    report = asyncio.run(worker.run_once())
    elapsed = time.perf_counter() - started
    engine.dispose()
    assert report.sent == MESSAGES == len(mail.messages) - before, report
    return elapsed


def plain_smtplib(mail: SmtpServer) -> float:
    """Seconds plain smtplib takes to send MESSAGES emails, a connection each."""
    started = time.perf_counter()
    for number in range(MESSAGES):
        email = EmailMessage()
        email["From"], email["To"] = SENDER, f"client{number}@bench.example"
        email["Subject"] = "Your Frontdesk code"
        email.set_content(f"Your Frontdesk code is {number:06d}.")
        with smtplib.SMTP(mail.host, mail.port) as smtp:
            smtp.send_message(email)
    return time.perf_counter() - started
