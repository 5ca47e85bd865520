"""Without Twilio configured, the SMS webhooks are not there."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.bootstrap import bootstrap
from api.settings import Settings


@pytest.mark.parametrize("path", ["/sms/inbound", "/sms/status"])
def test_the_sms_webhooks_answer_404_when_sms_is_off(tmp_path: Path, path: str) -> None:
    frontdesk = bootstrap(Settings.from_env({"FRONTDESK_DATA_DIR": str(tmp_path)}))
    try:
        app = create_app(frontdesk)
        answer = TestClient(app).post(path, data={"MessageSid": "SM1", "From": "+491700000000"})
    finally:
        frontdesk.close()
    assert answer.status_code == 404
    assert "+491700000000" not in answer.text
