"""The Telegram courier against a local Bot API: what is retried and what is given up."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from channels.couriers import DeliveryFailed, Outgoing
from channels.telegram.courier import TelegramCourier
from testkit.fake_telegram import FakeTelegram, fake_telegram

REMINDER = Outgoing(notification_id=7, to="5550199", subject="", body="See you tomorrow at 9:30.")


@pytest.fixture
def telegram() -> Iterator[FakeTelegram]:
    with fake_telegram() as fake:
        yield fake


def send(courier: TelegramCourier, message: Outgoing = REMINDER) -> str | None:
    async def sending() -> str | None:
        try:
            return await courier.send(message)
        finally:
            await courier.close()

    return asyncio.run(sending())


def test_a_message_goes_to_the_chat_and_its_message_id_comes_back(
    telegram: FakeTelegram,
) -> None:
    sent = send(TelegramCourier(token=telegram.token, api_url=telegram.api_url))

    [call] = telegram.calls("sendMessage")
    assert (call["chat_id"], call["text"]) == ("5550199", "See you tomorrow at 9:30.")
    assert sent == str(call["message_id"])


@pytest.mark.parametrize(
    ("status", "description"),
    [(403, "Forbidden: bot was blocked by the user"), (400, "Bad Request: chat not found")],
)
def test_a_blocked_bot_or_unknown_chat_is_a_permanent_failure(
    telegram: FakeTelegram, status: int, description: str
) -> None:
    telegram.fail_next("sendMessage", status, description)

    with pytest.raises(DeliveryFailed) as failed:
        send(TelegramCourier(token=telegram.token, api_url=telegram.api_url))

    assert failed.value.permanent
    assert description.split(": ")[-1].lower() in str(failed.value).lower()


@pytest.mark.parametrize(
    ("status", "description", "retry_after"),
    [
        (429, "Too Many Requests: retry after 3", 3),
        (500, "Internal Server Error", None),
        (502, "Bad Gateway", None),
    ],
)
def test_flood_control_and_server_errors_are_retried(
    telegram: FakeTelegram, status: int, description: str, retry_after: int | None
) -> None:
    telegram.fail_next("sendMessage", status, description, retry_after=retry_after)

    with pytest.raises(DeliveryFailed) as failed:
        send(TelegramCourier(token=telegram.token, api_url=telegram.api_url))

    assert not failed.value.permanent


def test_an_unreachable_bot_api_is_retried() -> None:
    with fake_telegram() as gone:
        api_url = gone.api_url  # nothing listens there once the block ends

    with pytest.raises(DeliveryFailed) as failed:
        send(TelegramCourier(token="123:abc", api_url=api_url))

    assert not failed.value.permanent


def test_a_rejected_token_is_retried_and_not_written_down(telegram: FakeTelegram) -> None:
    with pytest.raises(DeliveryFailed) as failed:
        send(TelegramCourier(token="123456:wrong-token", api_url=telegram.api_url))

    assert not failed.value.permanent
    assert "wrong-token" not in str(failed.value)
