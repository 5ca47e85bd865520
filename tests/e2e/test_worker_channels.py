"""`frontdesk worker` texting through a fake Twilio and messaging through a fake Bot API."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator

import pytest

from testkit.api_client import ADMIN, api_client
from testkit.fake_telegram import FakeTelegram, fake_telegram
from testkit.fake_twilio import FakeTwilio, fake_twilio, twilio_env
from testkit.keys import TEST_DOCUMENT_KEY
from testkit.live import DEMO_NOW, ROOT, LiveServer, live_server

PUBLIC = "https://frontdesk.example.org"  # where Twilio reaches us
MARKUS_PHONE = "+4917034419208"
LENA_TELEGRAM = "700101"


@pytest.fixture(scope="module")
def twilio() -> Iterator[FakeTwilio]:
    with fake_twilio() as fake:
        yield fake


@pytest.fixture(scope="module")
def telegram() -> Iterator[FakeTelegram]:
    with fake_telegram() as fake:
        yield fake


@pytest.fixture(scope="module")
def env(twilio: FakeTwilio, telegram: FakeTelegram) -> dict[str, str]:
    return {
        **twilio_env(twilio),
        "FRONTDESK_TELEGRAM_TOKEN": telegram.token,
        "FRONTDESK_TELEGRAM_WEBHOOK_SECRET": "worker-test-secret",
        "FRONTDESK_TELEGRAM_API_URL": telegram.api_url,
        "FRONTDESK_PUBLIC_URL": PUBLIC,
    }


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, twilio: FakeTwilio, env: dict[str, str]
) -> Iterator[LiveServer]:
    with live_server(tmp_path_factory.mktemp("worker") / "data", env=env) as running:
        twilio.forward(PUBLIC, running.base_url)
        yield running


@pytest.fixture(scope="module")
def delivered(server: LiveServer, env: dict[str, str]) -> dict[str, str]:
    """Book for Markus (who asked for texts) and Lena (on Telegram); run the worker once."""
    booked = {}
    with api_client(server, ADMIN) as admin:
        chose = admin.patch(
            "/clients/markus-wolf/notification-preferences",
            json={
                "changes": [
                    {"event": "booking.confirmed", "channel": "sms", "enabled": True},
                    {"event": "booking.confirmed", "channel": "email", "enabled": False},
                ]
            },
        )
        assert chose.status_code == 200, chose.text
        offered = admin.get(
            "/availability",
            params={"start": "2026-03-12T00:00:00+01:00", "provider": "dr-hoffmann"},
        )
        starts = offered.json()[0]["starts"]
        for client_id, start in zip(("markus-wolf", "lena-schmidt"), starts, strict=False):
            made = admin.post(
                "/bookings",
                json={
                    "client_id": client_id,
                    "provider_id": "dr-hoffmann",
                    "service_id": "gp-visit",
                    "start": start,
                },
                headers={"Idempotency-Key": f"channels-{client_id}"},
            )
            assert made.status_code == 201, made.text
            booked[client_id] = made.json()["id"]
    environment = {
        **os.environ,
        **env,
        "FRONTDESK_DATA_DIR": str(server.log_path.parent),
        "FRONTDESK_NOW": DEMO_NOW,
        "FRONTDESK_DOCUMENT_KEY": TEST_DOCUMENT_KEY,  # the server's: clients' contacts are sealed
    }
    environment.pop("DATABASE_URL", None)
    worker = subprocess.run(
        [sys.executable, "-m", "api.cli", "worker", "--once"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        timeout=120,
    )
    assert worker.returncode == 0, worker.stdout + worker.stderr
    return booked


def test_a_client_who_chose_texts_gets_the_confirmation_by_sms(
    delivered: dict[str, str], twilio: FakeTwilio
) -> None:
    (text,) = twilio.wait_for_messages(1, to=MARKUS_PHONE)
    assert text["Body"].startswith("Confirmed: General practitioner visit with Dr. Katrin Hoffmann")
    assert f"Ref {delivered['markus-wolf'][:8].upper()}." in text["Body"]
    assert text["StatusCallback"] == f"{PUBLIC}/sms/status"


def test_a_client_linked_on_telegram_gets_it_there(
    delivered: dict[str, str], telegram: FakeTelegram
) -> None:
    sent = telegram.wait_for("sendMessage", lambda p: str(p.get("chat_id")) == LENA_TELEGRAM)
    assert str(sent["text"]).startswith("Your appointment is confirmed.")
    assert delivered["lena-schmidt"][:8].upper() in str(sent["text"])  # its short reference


def test_the_admin_list_shows_each_sent_with_the_channels_id(
    delivered: dict[str, str], server: LiveServer, twilio: FakeTwilio
) -> None:
    with api_client(server, ADMIN) as admin:
        listed = admin.get("/notifications", params={"event": "booking.confirmed"})
    assert listed.status_code == 200, listed.text
    rows = {row["client_id"]: row for row in listed.json()["items"]}
    assert {c: (rows[c]["channel"], rows[c]["status"]) for c in delivered} == {
        "markus-wolf": ("sms", "sent"),
        "lena-schmidt": ("telegram", "sent"),
    }
    (text,) = twilio.sent_to(MARKUS_PHONE)
    assert rows["markus-wolf"]["provider_message_id"] == text["sid"]


def test_a_status_callback_marks_the_text_delivered(
    delivered: dict[str, str], server: LiveServer, twilio: FakeTwilio
) -> None:
    (text,) = twilio.sent_to(MARKUS_PHONE)

    answer = twilio.report_status(text["sid"], "delivered")

    assert answer.status_code in (200, 204), answer.text
    with api_client(server, ADMIN) as admin:
        listed = admin.get("/notifications", params={"client": "markus-wolf", "channel": "sms"})
    (row,) = listed.json()["items"]
    assert row["status"] == "delivered"


def test_admins_filter_and_page_the_list_and_only_they_may_read_it(
    delivered: dict[str, str], server: LiveServer
) -> None:
    with api_client(server, ADMIN) as admin:
        page = admin.get("/notifications", params={"limit": 1})
        bad = admin.get("/notifications", params={"status": "lost"})
    assert (len(page.json()["items"]), page.json()["total"] >= 2) == (1, True)
    assert bad.status_code == 422
    with api_client(server, "dr-hoffmann@demo.frontdesk") as provider:
        assert provider.get("/notifications").status_code == 403
