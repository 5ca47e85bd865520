"""A copy of the database alone reveals none of the health data a client gave in the chat.

A visitor identifies, gives a date of birth, an insurance number, an address and a nationality,
books with that intake, gets the generated form and proves the phone with the code texted to it;
someone else texts the practice and then STOP. Then the raw bytes the server keeps (the SQLite
files with their journals, the checkpoints included, or a pg_dump of PostgreSQL) are searched
for every value either of them typed, the phone numbers included.
"""

from __future__ import annotations

import io
import subprocess
import time
import zipfile
from collections.abc import Iterator

import httpx
import pytest
from docx import Document
from sqlmodel import Session, col, select

from domain.kernel.db import make_engine
from domain.models import OutboxMessage
from domain.notifications.codes import destination_of
from testkit.api_client import ADMIN, api_client, if_match
from testkit.chat_client import ChatClient
from testkit.fake_twilio import FakeTwilio, fake_twilio, twilio_env
from testkit.keys import TEST_KEYRING
from testkit.live import LiveServer, live_server
from testkit.pgcluster import TemporaryPostgres
from tests.conftest import fresh_database_url

NAME = "Greta Quellwasser"
PHONE_TYPED, PHONE_STORED = "+49 170 5550123", "+491705550123"
BIRTH_DATE = "1987-11-23"
INSURANCE = "Q987654321"
ADDRESS = "Lindenallee 77, 10999 Berlin"
NATIONALITY = "Icelandic"
TEXTER = "+4915799912345"  # someone who texts the practice, then STOP
# The client's name stays readable: staff find and sort clients by it (docs/security.md).
ENTERED = (
    PHONE_STORED,
    "5550123",
    BIRTH_DATE,
    INSURANCE,
    "Lindenallee 77",
    NATIONALITY,
    TEXTER,
    "99912345",
)
PUBLIC = "https://frontdesk.example.org"  # where Twilio reaches us


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module")
def database_url(
    backend: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> str | None:
    if backend == "sqlite":
        return None  # the server keeps its SQLite files in its data dir, as `serve` does
    return fresh_database_url(request, tmp_path_factory.mktemp("db"), backend)


@pytest.fixture(scope="module")
def twilio() -> Iterator[FakeTwilio]:
    with fake_twilio() as fake:
        yield fake


@pytest.fixture(scope="module")
def server(
    database_url: str | None, tmp_path_factory: pytest.TempPathFactory, twilio: FakeTwilio
) -> Iterator[LiveServer]:
    data_dir = tmp_path_factory.mktemp("at-rest") / "data"
    env = {**twilio_env(twilio), "FRONTDESK_PUBLIC_URL": PUBLIC}
    with live_server(data_dir, database_url=database_url, env=env) as running:
        twilio.forward(PUBLIC, running.base_url)
        yield running


def code_sent_to(server: LiveServer, database_url: str | None, phone: str) -> str:
    """The one-time code queued for a phone (no worker runs beside this server)."""
    sqlite_url = f"sqlite:///{server.log_path.parent / 'frontdesk.db'}"
    engine = make_engine(database_url or sqlite_url, keyring=TEST_KEYRING)
    try:
        with Session(engine) as session:
            queued = session.exec(
                select(OutboxMessage)
                .where(OutboxMessage.event == "identity.code")
                .order_by(col(OutboxMessage.id).desc())
            ).all()
            codes = [(destination_of(session, m.payload), m.payload.get("code")) for m in queued]
    finally:
        engine.dispose()
    return str(next(code for to, code in codes if to == phone))


def book_with_full_intake(server: LiveServer, database_url: str | None) -> bytes:
    """Play the visitor's conversation, the phone proven at the end; return the form."""
    with api_client(server, ADMIN) as admin:
        read = admin.get("/services/physio-session")
        fields = ["date_of_birth", "insurance_number", "address", "nationality"]
        changed = admin.patch(
            "/services/physio-session", json={"intake_fields": fields}, headers=if_match(read)
        )
        assert changed.status_code == 200, changed.text
    with ChatClient(server.ws_url) as chat:
        chat.say("I need physiotherapy for my knee tomorrow")
        asked = chat.say("the first one")
        assert "full name" in asked.text
        held = chat.say(f"I'm {NAME}, {PHONE_TYPED}")
        assert "nationality" in held.text
        chat.say(f"born {BIRTH_DATE}, insurance number {INSURANCE}")
        chat.say(f"I live at {ADDRESS}")
        summary = chat.say(f"My nationality is {NATIONALITY}")
        assert [b["label"] for b in summary.buttons] == ["Confirm", "Change"]
        booked = chat.press(summary, "Confirm")
        chat.say(code_sent_to(server, database_url, PHONE_STORED))
    card = booked.card
    assert card is not None
    assert card["status"] == "confirmed"
    download = httpx.get(server.base_url + card["forms"][0]["url"])
    assert download.status_code == 200
    return download.content


def text_then_stop(server: LiveServer, twilio: FakeTwilio) -> None:
    """Someone texts the practice from their phone, then opts out of texts."""
    inbound = f"{PUBLIC}/sms/inbound"
    twilio.incoming(inbound, sender=TEXTER, body="Do you have a dermatologist?")
    twilio.wait_for_messages(1, to=TEXTER)
    twilio.incoming(inbound, sender=TEXTER, body="STOP")
    deadline = time.monotonic() + 10
    with api_client(server, ADMIN) as admin:
        while time.monotonic() < deadline:
            events = admin.get("/audit-events", params={"action": "sms.opted_out"}).json()
            if events["items"]:
                return
            time.sleep(0.1)
    raise AssertionError("the STOP was not recorded")


def kept_bytes(server: LiveServer, database_url: str | None) -> bytes:
    """What a backup holds: every SQLite file of the data dir, or a pg_dump of the database."""
    if database_url is None:
        data_dir = server.log_path.parent
        files = [p for p in sorted(data_dir.iterdir()) if ".db" in p.name]
        assert {"frontdesk.db", "checkpoints.db"} <= {p.name for p in files}
        return b"".join(p.read_bytes() for p in files)
    bindir = TemporaryPostgres().bindir
    assert bindir is not None
    dumped = subprocess.run(
        [str(bindir / "pg_dump"), "--dbname", database_url.replace("+psycopg", "")],
        capture_output=True,
        check=True,
    )
    return dumped.stdout


def test_a_backup_of_the_database_reveals_no_value_the_client_entered(
    server: LiveServer, database_url: str | None, twilio: FakeTwilio
) -> None:
    form = book_with_full_intake(server, database_url)
    text_then_stop(server, twilio)
    filled = "\n".join(p.text for p in Document(io.BytesIO(form)).paragraphs)
    assert BIRTH_DATE in filled  # the client and staff still read everything
    kept = kept_bytes(server, database_url)
    found = [value for value in ENTERED if value.encode() in kept]
    assert found == [], f"the database keeps in clear text: {found}"
    # The form is a zip whose text is compressed: its own bytes must not be kept either.
    with zipfile.ZipFile(io.BytesIO(form)) as archive:
        document_xml = archive.read("word/document.xml")
    assert document_xml[:64] not in kept
    assert form[:400] not in kept


def test_the_staff_still_find_the_client_by_phone_and_read_the_profile(
    server: LiveServer,
) -> None:
    with api_client(server, ADMIN) as admin:
        found = admin.get("/clients", params={"q": "0170 5550123"})
        assert found.status_code == 200
        (client,) = [c for c in found.json()["items"] if c["name"] == NAME]
        profile = admin.get(f"/clients/{client['id']}").json()
    assert profile["phone"] == PHONE_STORED
    assert profile["profile"]["nationality"] == NATIONALITY
    assert profile["profile"]["insurance_number"] == INSURANCE
