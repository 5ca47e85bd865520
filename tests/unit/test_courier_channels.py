"""The channels the web app leaves to the worker are the ones the worker builds couriers for."""

from __future__ import annotations

import pytest

from api.settings import Settings
from api.worker import build_couriers, courier_channels

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
    env: dict[str, str], channels: set[str]
) -> None:
    settings = Settings.from_env({"FRONTDESK_DATA_DIR": "/tmp/unused", **env})
    assert courier_channels(settings) == channels
    assert set(build_couriers(settings)) == channels
