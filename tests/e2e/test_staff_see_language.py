"""Staff see the client's language in the API: a visitor writes Russian over the web chat
socket of a real `frontdesk serve --demo`, and the admin reads it on the conversation and on
the client record the visitor got by saying who they are."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from testkit.api_client import api_client
from testkit.chat_client import ChatClient
from testkit.live import LiveServer, live_server


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with live_server(tmp_path_factory.mktemp("staff-language") / "data") as running:
        yield running


def test_the_conversation_and_the_client_show_the_language_the_client_writes_in(
    server: LiveServer,
) -> None:
    with ChatClient(server.ws_url) as chat:
        chat.say("Мне нужен терапевт завтра утром")
        chat.say("Иван Петров, +49 170 5550123")
        replies = chat.say("спасибо")
    assert replies.replies
    with api_client(server, "admin@demo.frontdesk") as admin:
        listed = admin.get("/conversations", params={"channel": "web"}).json()["items"]
        (ours,) = [c for c in listed if c["client_id"] is not None and c["language"] == "ru"]
        assert admin.get(f"/conversations/{ours['id']}").json()["language"] == "ru"
        client = admin.get(f"/clients/{ours['client_id']}").json()
        assert (client["name"], client["language"]) == ("Иван Петров", "ru")
