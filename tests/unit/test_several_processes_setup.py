"""The settings and the compose file for several app processes over one PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from api.scale_settings import MAX_TURNS, scale_settings

ROOT = Path(__file__).resolve().parents[2]


def test_turns_at_once_default_to_hundreds_and_are_read_from_the_environment() -> None:
    assert scale_settings({}).max_turns == MAX_TURNS >= 100
    read = scale_settings({"FRONTDESK_MAX_TURNS": "500", "FRONTDESK_TURN_LEASE_SECONDS": "5"})
    assert (read.max_turns, read.turn_lease_seconds) == (500, 5)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("FRONTDESK_MAX_TURNS", "0"),
        ("FRONTDESK_MAX_TURNS", "many"),
        ("FRONTDESK_TURN_LEASE_SECONDS", "1"),
        ("FRONTDESK_CHROMA_URL", "chroma:8000"),
    ],
)
def test_a_bad_setting_is_refused_by_name(name: str, value: str) -> None:
    with pytest.raises(ValueError, match=name):
        scale_settings({name: value})


def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return loaded


def test_compose_runs_two_apps_and_a_worker_over_one_postgres_behind_a_proxy() -> None:
    services = compose()["services"]
    assert {"db", "chroma", "app-1", "app-2", "worker", "proxy"} <= set(services)
    apps = [services[name] for name in ("app-1", "app-2", "worker")]
    assert [app["command"][1] for app in apps] == ["serve", "serve", "worker"]
    for app in apps:
        env = app["environment"]
        assert env["DATABASE_URL"].startswith("postgresql+psycopg://")
        # Tokens signed by one process are read by the others: one key for all, never made.
        assert env["FRONTDESK_SECRET_KEY"].startswith("${FRONTDESK_SECRET_KEY:?")
        assert env["FRONTDESK_DOCUMENT_KEY"].startswith("${FRONTDESK_DOCUMENT_KEY:?")
        assert env["FRONTDESK_CHROMA_URL"] == "http://chroma:8000"
        # Behind the proxy a request's address is the client's (per-address sign-in limits),
        # which is safe only while the proxy is the one way in.
        assert env["FORWARDED_ALLOW_IPS"] == "*"
        assert "ports" not in app
    assert services["proxy"]["ports"] == ["8000:80"]


def test_the_proxy_passes_websockets_to_both_apps() -> None:
    services = compose()["services"]
    [mount] = services["proxy"]["volumes"]
    config = (ROOT / mount.split(":")[0]).read_text()
    assert "server app-1:8000" in config
    assert "server app-2:8000" in config
    assert "proxy_set_header Upgrade $http_upgrade;" in config
    assert "proxy_set_header Connection $connection_upgrade;" in config
