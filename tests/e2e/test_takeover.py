"""Providers take conversations over from the agent, live, against a real uvicorn."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import create_engine, text
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from testkit.chat_client import ChatClient
from testkit.console_client import ConsoleClient, Frame, sign_in
from testkit.live import LiveServer, live_server

HOFFMANN = "dr-hoffmann@demo.frontdesk"
ADMIN = "admin@demo.frontdesk"
YILMAZ = "dr-yilmaz@demo.frontdesk"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with live_server(tmp_path_factory.mktemp("takeover") / "data") as running:
        yield running


def summary_of(conversation_id: str, status: str) -> object:
    def matches(frame: Frame) -> bool:
        return bool(
            frame["type"] == "conversation"
            and frame["conversation"]["id"] == conversation_id
            and frame["conversation"]["status"] == status
        )

    return matches


def waiting_client(server: LiveServer) -> tuple[ChatClient, str]:
    """A new visitor who asked for a person, and their conversation's id."""
    chat = ChatClient(server.ws_url)
    asked = chat.say("I'd like to talk to a person please")
    started, handed = asked.of_type("status")
    assert (started["status"], handed["status"]) == ("bot", "waiting_for_human")
    assert started["conversation_id"] == handed["conversation_id"]
    return chat, str(handed["conversation_id"])


class TestSignIn:
    def test_a_wrong_password_is_refused(self, server: LiveServer) -> None:
        refused = sign_in(server, HOFFMANN, "not-the-password")
        assert refused.status_code == 401
        assert refused.json()["detail"] == "Wrong email or password."
        assert sign_in(server, "nobody@demo.frontdesk").status_code == 401

    def test_repeated_failures_block_the_account_for_a_while(self, server: LiveServer) -> None:
        neumann = "dr-neumann@demo.frontdesk"
        for _ in range(5):
            assert sign_in(server, neumann, "guess-guess").status_code == 401
        blocked = sign_in(server, neumann)  # even the right password, for now
        assert blocked.status_code == 429
        assert "Too many failed sign-ins" in blocked.json()["detail"]
        assert int(blocked.headers["Retry-After"]) > 800
        # Colleagues on the same network are not locked out by it.
        assert sign_in(server, YILMAZ).status_code == 200

    def test_the_token_identifies_the_provider(self, server: LiveServer) -> None:
        with ConsoleClient(server, HOFFMANN) as console:
            assert console.hello["me"]["name"] == "Dr. Katrin Hoffmann"
            assert "Dr. Murat Yilmaz" in [c["name"] for c in console.hello["colleagues"]]

    @pytest.mark.parametrize("token", ["", "forged.token.value"])
    def test_the_console_socket_closes_without_a_valid_token(
        self, server: LiveServer, token: str
    ) -> None:
        with (
            connect(f"{server.ws_url}/ws/console?token={token}") as socket,
            pytest.raises(ConnectionClosed) as closed,
        ):
            socket.recv(timeout=10)
        assert closed.value.rcvd is not None
        assert closed.value.rcvd.code == 4401


class TestTakingOver:
    def test_take_over_reply_and_hand_back_to_the_agent(self, server: LiveServer) -> None:
        with ConsoleClient(server, HOFFMANN) as console:
            chat, conversation_id = waiting_client(server)
            console.until(summary_of(conversation_id, "waiting_for_human"))
            opened = console.act("open", conversation_id=conversation_id)
            tools = [e["tool"]["name"] for e in opened["entries"] if e["author"] == "tool"]
            assert tools == ["handoff_to_human"]

            assert console.act("take_over", conversation_id=conversation_id)["type"] == "done"
            status = chat.until("status")
            assert (status["status"], status["staff"]) == ("human", "Dr. Katrin Hoffmann")

            console.act("reply", conversation_id=conversation_id, text="Hello, Dr. Hoffmann here.")
            reply = chat.until("reply")
            assert (reply["author"], reply["text"]) == ("staff", "Hello, Dr. Hoffmann here.")
            assert reply["name"] == "Dr. Katrin Hoffmann"

            # While a person holds it the agent stays silent; the provider sees the message.
            silent = chat.say("Thank you, can I come in today?", answered=False)
            assert silent.ack is not None
            assert silent.ack["duplicate"] is False
            seen = console.until(
                lambda f: f["type"] == "entry" and f["entry"]["author"] == "client"
            )
            assert seen["entry"]["text"] == "Thank you, can I come in today?"

            console.act("hand_back", conversation_id=conversation_id)
            assert chat.until("status")["status"] == "bot"
            # The message nobody answered while it was held is the agent's to answer now.
            reply = chat.until("reply")
            while reply["author"] != "agent":
                reply = chat.until("reply")
            assert chat.until("typing")["on"] is False
            answered = chat.say("What are your opening hours?")
            assert [r["author"] for r in answered.replies] == ["agent"]
            chat.close()

    def test_a_second_provider_cannot_take_a_held_conversation(self, server: LiveServer) -> None:
        chat, conversation_id = waiting_client(server)
        with ConsoleClient(server, HOFFMANN) as hoffmann, ConsoleClient(server, YILMAZ) as yilmaz:
            assert hoffmann.act("take_over", conversation_id=conversation_id)["type"] == "done"
            refused = yilmaz.act("take_over", conversation_id=conversation_id)
            assert refused["code"] == "conflict"
            assert "Dr. Katrin Hoffmann" in refused["detail"]
            denied = yilmaz.act("reply", conversation_id=conversation_id, text="Hi")
            assert denied["type"] == "error"
            # Taken, it is no longer waiting for a person: out of Dr. Yilmaz's sight.
            hidden = yilmaz.act("open", conversation_id=conversation_id)
            assert (hidden["type"], hidden["code"]) == ("error", "not_found")
        chat.close()

    def test_transfer_to_a_colleague_then_close(self, server: LiveServer) -> None:
        chat, conversation_id = waiting_client(server)
        with ConsoleClient(server, HOFFMANN) as hoffmann, ConsoleClient(server, YILMAZ) as yilmaz:
            hoffmann.act("take_over", conversation_id=conversation_id)
            to = hoffmann.colleague("Dr. Murat Yilmaz")
            moved = hoffmann.act("transfer", conversation_id=conversation_id, to_staff_id=to)
            assert moved["type"] == "done"
            assert chat.until("status")["staff"] == "Dr. Katrin Hoffmann"
            assert chat.until("status")["staff"] == "Dr. Murat Yilmaz"
            assert (
                hoffmann.act("reply", conversation_id=conversation_id, text="x")["type"] == "error"
            )
            yilmaz.act("reply", conversation_id=conversation_id, text="Dr. Yilmaz here.")
            assert chat.until("reply")["text"] == "Dr. Yilmaz here."
            yilmaz.act("close", conversation_id=conversation_id)
            assert chat.until("status")["status"] == "closed"
        # The client's next message starts a new conversation with the agent.
        fresh = chat.say("Hello again")
        (switched,) = fresh.of_type("status")
        assert switched["conversation_id"] != conversation_id
        assert switched["status"] == "bot"
        assert [r["author"] for r in fresh.replies] == ["agent"]
        chat.close()


def test_the_server_log_holds_no_token_or_session(server: LiveServer) -> None:
    with ConsoleClient(server, HOFFMANN) as console, ChatClient(server.ws_url) as chat:
        assert console.act("ping")["type"] == "pong"
        chat.say("Hello")
        log = server.log()
    assert "/ws/console?token=***" in log
    assert console.token not in log
    assert chat.session not in log


class TestWhoMayDoWhat:
    def test_only_a_held_conversation_can_be_handed_back(self, server: LiveServer) -> None:
        chat, conversation_id = waiting_client(server)
        with ConsoleClient(server, YILMAZ) as yilmaz:
            refused = yilmaz.act("hand_back", conversation_id=conversation_id)
            assert refused["code"] == "invalid_transition"
            assert refused["id"] is not None
        chat.close()

    def test_an_admin_can_release_a_conversation_a_provider_holds(self, server: LiveServer) -> None:
        chat, conversation_id = waiting_client(server)
        with ConsoleClient(server, HOFFMANN) as hoffmann, ConsoleClient(server, ADMIN) as admin:
            hoffmann.act("take_over", conversation_id=conversation_id)
            assert admin.act("hand_back", conversation_id=conversation_id)["type"] == "done"
            assert chat.until("status")["status"] == "human"
            assert chat.until("status")["status"] == "bot"
        chat.close()

    def test_a_reply_sent_twice_is_said_once_and_never_shadows_a_client_message(
        self, server: LiveServer
    ) -> None:
        chat, conversation_id = waiting_client(server)
        with ConsoleClient(server, HOFFMANN) as console:
            console.act("take_over", conversation_id=conversation_id)
            for _ in range(2):
                sent = {"type": "reply", "id": "r-1", "conversation_id": conversation_id}
                console.socket.send(json.dumps({**sent, "text": "Once only."}))
                assert console.until(lambda f: f["type"] in ("done", "error"))["type"] == "done"
            # A client message under the same id is a different message.
            assert chat.say("Thanks", message_id="r-1", answered=False).ack == {
                "type": "ack",
                "id": "r-1",
                "duplicate": False,
            }
            opened = console.act("open", conversation_id=conversation_id)
        said = [e["text"] for e in opened["entries"] if e["author"] == "staff"]
        assert said == ["Once only."]
        chat.close()

    def test_opening_an_unknown_conversation_is_not_found(self, server: LiveServer) -> None:
        with ConsoleClient(server, HOFFMANN) as console:
            assert console.act("open", conversation_id="no-such-id")["code"] == "not_found"


class TestConversationsOverRest:
    def bearer(self, server: LiveServer, username: str = HOFFMANN) -> dict[str, str]:
        token = sign_in(server, username).json()["access_token"]
        return {"Authorization": f"Bearer {token}"}

    def test_anonymous_callers_get_nothing(self, server: LiveServer) -> None:
        for path in ("/api/v1/conversations", "/api/v1/conversations/x/entries"):
            refused = httpx.get(server.base_url + path)
            assert refused.status_code == 401
            assert refused.headers["WWW-Authenticate"] == "Bearer"
        forged = httpx.get(
            server.base_url + "/api/v1/conversations", headers={"Authorization": "Bearer x.y.z"}
        )
        assert forged.status_code == 401

    def test_waiting_conversations_are_listed_by_status_in_pages(self, server: LiveServer) -> None:
        chats = [waiting_client(server) for _ in range(3)]
        headers = self.bearer(server)
        url = server.base_url + "/api/v1/conversations"
        first = httpx.get(url, params={"status": "waiting_for_human", "limit": 2}, headers=headers)
        assert first.status_code == 200
        page = first.json()
        assert page["total"] >= 3
        assert len(page["items"]) == 2
        assert {c["status"] for c in page["items"]} == {"waiting_for_human"}
        rest = httpx.get(
            url, params={"status": "waiting_for_human", "limit": 2, "offset": 2}, headers=headers
        ).json()
        ids = [c["id"] for c in page["items"] + rest["items"]]
        assert len(ids) == len(set(ids)) == min(page["total"], 4)
        for chat, _ in chats:
            chat.close()

    def test_the_transcript_shows_tool_calls_and_its_read_is_audited(
        self, server: LiveServer
    ) -> None:
        chat, conversation_id = waiting_client(server)
        headers = self.bearer(server)
        entries = httpx.get(
            f"{server.base_url}/api/v1/conversations/{conversation_id}/entries", headers=headers
        ).json()
        assert [e["author"] for e in entries] == ["client", "tool", "agent"]
        assert entries[1]["extra"]["tool"]["name"] == "handoff_to_human"
        engine = create_engine(f"sqlite:///{server.log_path.parent / 'frontdesk.db'}")
        with engine.connect() as db:
            audited = db.execute(
                text(
                    "SELECT count(*) FROM audit_events"
                    " WHERE action = 'conversation.transcript_read' AND subject_id = :id"
                ),
                {"id": conversation_id},
            ).scalar_one()
        engine.dispose()
        assert audited == 1
        chat.close()

    @pytest.mark.parametrize(
        ("params", "field"), [({"limit": 0}, "limit"), ({"status": "sleeping"}, "status")]
    )
    def test_bad_filters_are_refused_by_field(
        self, server: LiveServer, params: dict[str, str | int], field: str
    ) -> None:
        refused = httpx.get(
            server.base_url + "/api/v1/conversations", params=params, headers=self.bearer(server)
        )
        assert refused.status_code == 422
        assert field in refused.json()["detail"][0]["loc"]

    def test_an_unknown_conversation_is_not_found(self, server: LiveServer) -> None:
        missing = httpx.get(
            server.base_url + "/api/v1/conversations/nope", headers=self.bearer(server)
        )
        assert missing.status_code == 404
        assert missing.json()["detail"] == "No such conversation."
