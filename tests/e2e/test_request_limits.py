"""Request bodies are capped per kind of route while they arrive, not after they are read.

A raw HTTP client streams bodies (chunked, or under a declared Content-Length) to a real
uvicorn and watches for the answer between chunks: a body over its route's limit is refused
with 413 before the client has finished sending it, and another request made during the
upload is answered while the upload is still going on.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.frames import CloseCode
from websockets.sync.client import connect

from api.body_limits import FORM_OVERHEAD
from testkit.fake_telegram import SECRET_HEADER, FakeTelegram
from testkit.fake_twilio import FakeTwilio, fake_twilio, twilio_env
from testkit.live import LiveServer, live_server
from testkit.raw_http import Streamed, send_head_only, stream_body
from testkit.telegram_server import WEBHOOK_SECRET, telegram_env
from tests.e2e.telegram_fixtures import telegram

KB, MB = 1024, 1024 * 1024
UPLOAD_MB = 1
# Far past every limit: the server must refuse long before a client could send it all.
HUGE = 48 * MB
JSON = {"Content-Type": "application/json"}

__all__ = ["telegram"]  # the Telegram modules' fake Bot API


@pytest.fixture(scope="module")
def twilio() -> Iterator[FakeTwilio]:
    with fake_twilio() as fake:
        yield fake


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, twilio: FakeTwilio, telegram: FakeTelegram
) -> Iterator[LiveServer]:
    env = {
        **telegram_env(telegram),
        **twilio_env(twilio),
        "FRONTDESK_MAX_UPLOAD_MB": str(UPLOAD_MB),
    }
    with live_server(tmp_path_factory.mktemp("limits") / "data", env=env) as running:
        yield running


def refused_early(streamed: Streamed, status: int = 413) -> None:
    assert streamed.status == status, streamed.body
    assert not streamed.finished_sending, f"answered only after {streamed.sent_bytes} bytes"
    assert streamed.sent_bytes < HUGE


class TestTheJsonApi:
    def test_a_chunked_body_past_the_limit_is_refused_while_it_is_sent(
        self, server: LiveServer
    ) -> None:
        answered: list[int] = []

        def small_request() -> None:
            answered.append(httpx.get(f"{server.base_url}/healthz", timeout=30).status_code)

        streamed = stream_body(
            server.base_url,
            "/api/v1/auth/token",
            headers=JSON,
            first=b'{"username": "',
            total_bytes=HUGE,
            midway=small_request,
            midway_after=256 * KB,
        )

        refused_early(streamed)
        assert streamed.headers["content-type"] == "application/json"
        assert streamed.headers["connection"] == "close"
        assert b'"code":"too_large"' in streamed.body.replace(b" ", b"")
        assert b"up to 1 MB" in streamed.body
        # The small request came and went while the big one was still being sent.
        assert streamed.midway_done
        assert answered == [200]

    def test_a_declared_length_past_the_limit_is_refused_before_any_of_the_body(
        self, server: LiveServer
    ) -> None:
        answer = send_head_only(
            server.base_url,
            "/api/v1/auth/token",
            headers={**JSON, "Content-Length": str(300 * MB)},
        )

        assert answer.status == 413
        assert b"too_large" in answer.body

    def test_a_body_within_the_limit_still_reaches_the_route(self, server: LiveServer) -> None:
        streamed = stream_body(
            server.base_url,
            "/api/v1/auth/token",
            headers=JSON,
            first=b'{"username": "nobody", "password": "' + b"p" * 100,
            chunk=b'"}',
            total_bytes=200,
        )

        assert streamed.finished_sending
        assert streamed.status == 422  # the route's own answer to a malformed sign-in


class TestUploads:
    def test_a_chunked_upload_past_the_file_limit_is_refused_while_it_is_sent(
        self, server: LiveServer
    ) -> None:
        streamed = stream_body(
            server.base_url,
            "/chat/uploads",
            headers={"Content-Type": "multipart/form-data; boundary=xyz"},
            first=b'--xyz\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\n\r\n',
            total_bytes=HUGE,
        )

        refused_early(streamed)
        assert streamed.sent_bytes >= UPLOAD_MB * MB  # a file up to the limit is let in
        assert b'"file_too_large"' in streamed.body
        assert f"{UPLOAD_MB} MB".encode() in streamed.body

    def test_an_upload_declaring_more_than_the_limit_is_refused_before_it_is_read(
        self, server: LiveServer
    ) -> None:
        declared = UPLOAD_MB * MB + FORM_OVERHEAD + 1
        answer = send_head_only(
            server.base_url,
            "/chat/uploads",
            headers={
                "Content-Type": "multipart/form-data; boundary=xyz",
                "Content-Length": str(declared),
            },
        )

        assert answer.status == 413
        assert b'"file_too_large"' in answer.body


class TestSockets:
    def test_a_websocket_message_past_the_limit_closes_the_socket_unread(
        self, server: LiveServer
    ) -> None:
        with connect(f"{server.ws_url}/ws/chat", max_size=None) as socket:
            assert json.loads(socket.recv(timeout=30))["type"] == "hello"
            socket.send(json.dumps({"type": "message", "id": "x", "text": "a" * MB}))
            with pytest.raises(ConnectionClosed) as closed:
                socket.recv(timeout=30)
        assert closed.value.rcvd is not None
        assert closed.value.rcvd.code == CloseCode.MESSAGE_TOO_BIG


class TestWebhooks:
    def test_an_unsigned_text_webhook_is_refused_before_its_body_is_read(
        self, server: LiveServer
    ) -> None:
        streamed = stream_body(
            server.base_url,
            "/sms/inbound",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            first=b"Body=",
            total_bytes=HUGE,
        )

        refused_early(streamed, 403)

    def test_a_signed_looking_text_webhook_past_the_limit_is_refused_while_it_is_sent(
        self, server: LiveServer
    ) -> None:
        streamed = stream_body(
            server.base_url,
            "/sms/inbound",
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Twilio-Signature": "c2lnbmVk",
            },
            first=b"Body=",
            total_bytes=HUGE,
        )

        refused_early(streamed)

    def test_a_chunked_telegram_update_past_the_limit_is_refused_while_it_is_sent(
        self, server: LiveServer
    ) -> None:
        streamed = stream_body(
            server.base_url,
            "/telegram/webhook",
            headers={**JSON, SECRET_HEADER: WEBHOOK_SECRET},
            first=b'{"update_id": 1, "message": {"text": "',
            total_bytes=HUGE,
        )

        refused_early(streamed)

    def test_a_telegram_update_without_the_secret_is_refused_before_its_body_is_read(
        self, server: LiveServer
    ) -> None:
        streamed = stream_body(
            server.base_url, "/telegram/webhook", headers=JSON, first=b"{", total_bytes=HUGE
        )

        refused_early(streamed, 403)
