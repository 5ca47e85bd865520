"""The channels the web app leaves to the worker are the ones the worker builds couriers for."""

from __future__ import annotations

from pathlib import Path

import pytest

from api.bootstrap import bootstrap
from api.settings import Settings

SMTP = {"FRONTDESK_SMTP_HOST": "127.0.0.1", "FRONTDESK_SMTP_FROM": "desk@example.org"}
TWILIO = {
    "FRONTDESK_TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
    "FRONTDESK_TWILIO_AUTH_TOKEN": "secret",
    "FRONTDESK_TWILIO_FROM": "+15005550006",
}
TELEGRAM = {"FRONTDESK_TELEGRAM_TOKEN": "1:abc", "FRONTDESK_TELEGRAM_WEBHOOK_SECRET": "s3cret"}


@pytest.mark.parametrize(
    ("env", "channels"),
    [
        ({}, set()),
        (SMTP, {"email"}),
        (TWILIO, {"sms"}),
        ({**SMTP, **TWILIO, **TELEGRAM}, {"email", "sms", "telegram"}),
    ],
)
def test_the_configured_channels_are_the_couriers_built(
    env: dict[str, str], channels: set[str], tmp_path: Path
) -> None:
    settings = Settings.from_env({"FRONTDESK_DATA_DIR": str(tmp_path), **env})
    frontdesk = bootstrap(settings, migrate=False)
    try:
        assert frontdesk.courier_channels == channels
        assert set(frontdesk.couriers) == channels
    finally:
        frontdesk.close()
