"""Staff change a conversation's hands over REST; the client and every console see it at once."""

from __future__ import annotations

import random
from collections.abc import Iterator

import httpx
import pytest

from testkit.api_client import ADMIN, HOFFMANN, YILMAZ, api_client
from testkit.chat_client import ChatClient
from testkit.console_client import ConsoleClient, Frame
from testkit.live import LiveServer, live_server


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with live_server(tmp_path_factory.mktemp("conversations") / "data") as running:
        yield running


@pytest.fixture(scope="module")
def hoffmann(server: LiveServer) -> Iterator[httpx.Client]:
    with api_client(server, HOFFMANN) as client:
        yield client


@pytest.fixture(scope="module")
def yilmaz(server: LiveServer) -> Iterator[httpx.Client]:
    with api_client(server, YILMAZ) as client:
        yield client


@pytest.fixture
def waiting(server: LiveServer) -> Iterator[tuple[ChatClient, str]]:
    """A visitor who asked for a person, and their conversation's id."""
    with ChatClient(server.ws_url) as chat:
        asked = chat.say("I'd like to talk to a person please")
        handed = asked.of_type("status")[-1]
        assert handed["status"] == "waiting_for_human"
        yield chat, str(handed["conversation_id"])


def summary_of(conversation_id: str, status: str) -> object:
    def matches(frame: Frame) -> bool:
        return bool(
            frame["type"] == "conversation"
            and frame["conversation"]["id"] == conversation_id
            and frame["conversation"]["status"] == status
        )

    return matches


class TestChangingHands:
    def test_take_over_reply_and_hand_back_reach_the_client_and_the_consoles(
        self, server: LiveServer, hoffmann: httpx.Client, waiting: tuple[ChatClient, str]
    ) -> None:
        chat, conversation_id = waiting
        # An admin's console sees every conversation (a provider's, only those they may).
        with ConsoleClient(server, ADMIN) as colleague:
            taken = hoffmann.post(f"/conversations/{conversation_id}/take-over")
            assert taken.status_code == 200, taken.text
            assert taken.json()["status"] == "human"
            status = chat.until("status")
            assert (status["status"], status["staff"]) == ("human", "Dr. Katrin Hoffmann")
            colleague.until(summary_of(conversation_id, "human"))

            for _ in range(2):  # a retried request with the same key is said once
                replied = hoffmann.post(
                    f"/conversations/{conversation_id}/reply",
                    json={"text": "Dr. Hoffmann here, how can I help?"},
                    headers={"Idempotency-Key": "reply-1"},
                )
                assert replied.status_code == 200, replied.text
            reply = chat.until("reply")
            assert (reply["author"], reply["text"]) == (
                "staff",
                "Dr. Hoffmann here, how can I help?",
            )
            entries = hoffmann.get(f"/conversations/{conversation_id}/entries").json()
            assert [e["text"] for e in entries if e["author"] == "staff"] == [
                "Dr. Hoffmann here, how can I help?"
            ]

            handed = hoffmann.post(f"/conversations/{conversation_id}/hand-back")
            assert handed.json()["status"] == "bot"
            assert chat.until("status")["status"] == "bot"
            colleague.until(summary_of(conversation_id, "bot"))

    def test_after_hand_back_the_agent_answers_what_the_client_was_left_waiting_on(
        self, server: LiveServer, hoffmann: httpx.Client, waiting: tuple[ChatClient, str]
    ) -> None:
        chat, conversation_id = waiting
        assert hoffmann.post(f"/conversations/{conversation_id}/take-over").status_code == 200
        assert chat.until("status")["status"] == "human"
        hoffmann.post(f"/conversations/{conversation_id}/reply", json={"text": "One moment."})
        assert chat.until("reply")["author"] == "staff"
        # Said after the person's last reply, and not answered by them.
        held = chat.say("How much is a dermatology consultation?", answered=False)
        assert held.ack is not None

        handed = hoffmann.post(f"/conversations/{conversation_id}/hand-back")
        assert handed.status_code == 200, handed.text
        said = [chat.until("reply")]
        while said[-1]["author"] != "agent":
            said.append(chat.until("reply"))
        assert [f["author"] for f in said] == ["system", "agent"]
        assert "handed you back" in said[0]["text"]
        assert "80" in said[1]["text"]  # the price, from the knowledge the agent searched
        assert chat.until("typing")["on"] is False  # that turn is over

        # Handing back again changes nothing: refused, and the message is not answered twice.
        again = hoffmann.post(f"/conversations/{conversation_id}/hand-back")
        assert again.status_code == 409
        answered = chat.say("Thank you!")
        assert [r["author"] for r in answered.replies] == ["agent"]
        entries = hoffmann.get(f"/conversations/{conversation_id}/entries").json()
        spoken = [(e["author"], e["text"]) for e in entries if e["author"] != "tool"]
        asked = spoken.index(("client", "How much is a dermatology consultation?"))
        authors = [author for author, _ in spoken[asked:]]
        assert authors == ["client", "system", "agent", "client", "agent"]

    def test_transfer_to_a_colleague_then_close(
        self,
        server: LiveServer,
        hoffmann: httpx.Client,
        yilmaz: httpx.Client,
        waiting: tuple[ChatClient, str],
    ) -> None:
        chat, conversation_id = waiting
        to = staff_id_of(yilmaz)
        hoffmann.post(f"/conversations/{conversation_id}/take-over")
        moved = hoffmann.post(
            f"/conversations/{conversation_id}/transfer", json={"to_staff_id": to}
        )
        assert (moved.status_code, moved.json()["held_by"]) == (200, to)
        assert chat.until("status")["staff"] == "Dr. Katrin Hoffmann"
        assert chat.until("status")["staff"] == "Dr. Murat Yilmaz"
        closed = yilmaz.post(f"/conversations/{conversation_id}/close")
        assert closed.json()["status"] == "closed"
        assert chat.until("status")["status"] == "closed"


class TestRefusals:
    def test_one_person_holds_a_conversation_at_a_time(
        self, hoffmann: httpx.Client, yilmaz: httpx.Client, waiting: tuple[ChatClient, str]
    ) -> None:
        _, conversation_id = waiting
        path = f"/conversations/{conversation_id}"
        unheld = yilmaz.post(f"{path}/hand-back")
        assert (unheld.status_code, unheld.json()["code"]) == (409, "invalid_transition")
        not_holding = yilmaz.post(f"{path}/reply", json={"text": "Hi"})
        assert (not_holding.status_code, not_holding.json()["detail"]) == (
            409,
            "Take the conversation over before replying.",
        )
        assert hoffmann.post(f"{path}/take-over").status_code == 200
        refused = yilmaz.post(f"{path}/take-over")
        assert (refused.status_code, refused.json()["detail"]) == (
            409,
            "Dr. Katrin Hoffmann has taken this conversation over.",
        )
        assert hoffmann.get(path).json()["held_by"] == staff_id_of(hoffmann)

    def test_an_admin_may_release_a_conversation_a_provider_holds(
        self, server: LiveServer, hoffmann: httpx.Client, waiting: tuple[ChatClient, str]
    ) -> None:
        _, conversation_id = waiting
        hoffmann.post(f"/conversations/{conversation_id}/take-over")
        with api_client(server, ADMIN) as admin:
            released = admin.post(f"/conversations/{conversation_id}/hand-back")
        assert (released.status_code, released.json()["status"]) == (200, "bot")

    @pytest.mark.parametrize(
        ("action", "body"),
        [("take-over", None), ("close", None), ("transfer", {"to_staff_id": "someone"})],
    )
    def test_an_unknown_conversation_is_not_found(
        self, hoffmann: httpx.Client, action: str, body: dict[str, str] | None
    ) -> None:
        missing = hoffmann.post(f"/conversations/nope/{action}", json=body)
        assert (missing.status_code, missing.json()["detail"]) == (404, "No such conversation.")

    def test_an_unknown_colleague_is_not_found(
        self, hoffmann: httpx.Client, waiting: tuple[ChatClient, str]
    ) -> None:
        _, conversation_id = waiting
        hoffmann.post(f"/conversations/{conversation_id}/take-over")
        nobody = hoffmann.post(
            f"/conversations/{conversation_id}/transfer", json={"to_staff_id": "someone"}
        )
        assert (nobody.status_code, nobody.json()["detail"]) == (404, "No such colleague.")

    @pytest.mark.parametrize(
        ("action", "body", "field"),
        [("reply", {"text": ""}, "text"), ("transfer", {}, "to_staff_id")],
    )
    def test_bad_input_is_refused_by_field(
        self, hoffmann: httpx.Client, action: str, body: dict[str, str], field: str
    ) -> None:
        refused = hoffmann.post(f"/conversations/anything/{action}", json=body)
        assert refused.status_code == 422
        assert [e["loc"] for e in refused.json()["detail"]] == [["body", field]]

    def test_anonymous_callers_are_refused(self, server: LiveServer) -> None:
        with api_client(server, None) as anonymous:
            for action in ("take-over", "hand-back", "close"):
                assert anonymous.post(f"/conversations/x/{action}").status_code == 401
            assert anonymous.post("/conversations/x/reply", json={"text": "Hi"}).status_code == 401


class TestFinding:
    def test_a_clients_conversations_and_those_someone_holds_are_found(
        self, server: LiveServer, hoffmann: httpx.Client
    ) -> None:
        with ChatClient(server.ws_url) as chat:
            offered = chat.say("I need a GP on Wednesday")
            conversation_id = offered.of_type("status")[0]["conversation_id"]
            chat.press(offered, random.Random(3).choice(offered.buttons)["label"])
            chat.say("I'm Tina Filter, +49 170 5550177")
            with api_client(server, ADMIN) as admin:
                (tina,) = admin.get("/clients", params={"q": "Tina Filter"}).json()["items"]
                theirs = admin.get("/conversations", params={"client_id": tina["id"]}).json()
            assert [c["id"] for c in theirs["items"]] == [conversation_id]
            # A hold is no appointment: Tina is no provider's client yet, nor her chat theirs.
            unseen = hoffmann.get("/conversations", params={"client_id": tina["id"]}).json()
            assert unseen["total"] == 0
            chat.say("I'd like to talk to a person please")

        hoffmann.post(f"/conversations/{conversation_id}/take-over")
        mine = hoffmann.get(
            "/conversations", params={"held_by": staff_id_of(hoffmann), "status": "human"}
        ).json()
        assert conversation_id in [c["id"] for c in mine["items"]]
        assert {c["status"] for c in mine["items"]} == {"human"}

    def test_lists_come_in_pages_with_the_total(self, server: LiveServer) -> None:
        for _ in range(3):
            with ChatClient(server.ws_url) as chat:
                chat.say("Hello")
        with api_client(server, ADMIN) as admin:
            first = admin.get("/conversations", params={"limit": 2}).json()
            rest = admin.get("/conversations", params={"limit": 2, "offset": 2}).json()
            too_few = admin.get("/conversations", params={"limit": 0})
        assert first["total"] == rest["total"] >= 3
        listed = [c["id"] for c in first["items"] + rest["items"]]
        assert len(listed) == len(set(listed)) == min(first["total"], 4)
        assert too_few.status_code == 422


def staff_id_of(client: httpx.Client) -> str:
    me: str = client.get("/auth/me").json()["id"]
    return me
