"""The notification worker's SMS courier against a local Twilio: ids, and refusals mapped."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator

import pytest

from channels.couriers import DeliveryFailed, Outgoing
from channels.sms.courier import SmsCourier
from testkit.fake_twilio import FakeTwilio, fake_twilio
from testkit.live import free_port

CALLBACK = "https://frontdesk.example.org/sms/status"
CLIENT = "+4915123847716"


@pytest.fixture
def twilio() -> Iterator[FakeTwilio]:
    with fake_twilio() as fake:
        yield fake


def courier(twilio: FakeTwilio, **changes: str) -> SmsCourier:
    return SmsCourier(twilio.client(status_callback_url=CALLBACK, **changes))


def send(courier: SmsCourier, to: str = CLIENT, body: str = "See you at 09:30.") -> str | None:
    return asyncio.run(courier.send(Outgoing(notification_id=7, to=to, subject="", body=body)))


def refusal(courier: SmsCourier, to: str = CLIENT) -> DeliveryFailed:
    with pytest.raises(DeliveryFailed) as refused:
        send(courier, to)
    return refused.value


def test_a_text_is_created_with_our_number_and_status_callback(twilio: FakeTwilio) -> None:
    sid = send(courier(twilio), body="Reminder \u2013 see you at 09:30…")
    assert sid is not None
    assert re.fullmatch(r"SM[0-9a-f]{32}", sid)
    [message] = twilio.messages
    assert message["sid"] == sid
    assert (message["To"], message["From"]) == (CLIENT, twilio.from_number)
    assert message["StatusCallback"] == CALLBACK
    # Typography with a GSM-7 twin is replaced: the text is not billed as UCS-2.
    assert (message["Body"], message["encoding"]) == ("Reminder - see you at 09:30...", "GSM-7")


def test_a_messaging_service_sends_in_place_of_a_number(twilio: FakeTwilio) -> None:
    service = "MG" + "0" * 32
    send(courier(twilio, from_number=service))
    [message] = twilio.messages
    assert (message["From"], message["MessagingServiceSid"]) == (None, service)


@pytest.mark.parametrize(
    ("status", "code", "permanent"),
    [
        (400, 21211, True),  # not a valid phone number
        (400, 21614, True),  # not a mobile number
        (400, 21610, True),  # the client texted STOP to our number
        (429, 20429, False),  # too many requests
        (500, 20500, False),
        (503, 20503, False),
    ],
)
def test_twilio_errors_are_permanent_only_for_numbers_that_cannot_get_texts(
    twilio: FakeTwilio, status: int, code: int, permanent: bool
) -> None:
    twilio.fail_next(status, code, "refused by the test")
    failed = refusal(courier(twilio))
    assert failed.permanent is permanent
    assert str(code) in str(failed)
    assert twilio.messages == []


def test_an_invalid_number_is_refused_for_good(twilio: FakeTwilio) -> None:
    assert refusal(courier(twilio), to="12345").permanent


def test_a_number_that_texted_stop_to_twilio_is_refused_for_good(twilio: FakeTwilio) -> None:
    twilio.opted_out.add(CLIENT)
    failed = refusal(courier(twilio))
    assert failed.permanent
    assert "21610" in str(failed)


def test_wrong_credentials_are_retried_after_the_configuration_is_fixed(
    twilio: FakeTwilio,
) -> None:
    assert not refusal(courier(twilio, auth_token="wrong")).permanent


def test_an_unreachable_twilio_is_retried(twilio: FakeTwilio) -> None:
    nowhere = courier(twilio, api_url=f"http://127.0.0.1:{free_port()}")
    failed = refusal(nowhere)
    assert not failed.permanent
    assert "could not be reached" in str(failed)
