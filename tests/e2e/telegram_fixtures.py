"""The fixtures of the Telegram modules: a fake Bot API and a live server talking to it, one
of each per module that imports them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from testkit.fake_telegram import FakeTelegram, fake_telegram
from testkit.live import LiveServer
from testkit.telegram_server import serving_telegram


@pytest.fixture(scope="module")
def telegram() -> Iterator[FakeTelegram]:
    with fake_telegram() as fake:
        yield fake


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, telegram: FakeTelegram
) -> Iterator[LiveServer]:
    with serving_telegram(tmp_path_factory.mktemp("telegram") / "data", telegram) as running:
        yield running
