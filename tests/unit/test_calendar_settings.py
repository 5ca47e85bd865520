"""How often providers' calendars are synced is a setting with a sane default and bounds."""

from __future__ import annotations

from pathlib import Path

import pytest

from api.settings import Settings


def test_calendars_sync_every_five_minutes_unless_configured(tmp_path: Path) -> None:
    base = {"FRONTDESK_DATA_DIR": str(tmp_path)}
    assert Settings.from_env(base).calendar_sync_minutes == 5
    configured = base | {"FRONTDESK_CALENDAR_SYNC_MINUTES": "15"}
    assert Settings.from_env(configured).calendar_sync_minutes == 15


@pytest.mark.parametrize("text", ["0", "-1", "five", "2000"])
def test_a_sync_interval_that_is_no_whole_minutes_is_refused_with_a_reason(
    tmp_path: Path, text: str
) -> None:
    env = {"FRONTDESK_DATA_DIR": str(tmp_path), "FRONTDESK_CALENDAR_SYNC_MINUTES": text}
    with pytest.raises(ValueError, match="FRONTDESK_CALENDAR_SYNC_MINUTES must be whole minutes"):
        Settings.from_env(env)
