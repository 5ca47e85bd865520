"""Two real `frontdesk serve` processes over one PostgreSQL, as a load balancer would use them."""

from __future__ import annotations

import random
import signal
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from domain.kernel.db import make_engine
from testkit.api_client import ADMIN, api_client
from testkit.chat_client import ChatClient, Frame, book_something
from testkit.console_client import ConsoleClient, sign_in
from testkit.keys import TEST_KEYRING
from testkit.processes import LiveServer, ServerProcess, live_process
from testkit.silent_model import silent_model_server
from tests.conftest import fresh_database_url
from tests.e2e.test_concurrent_chats import FIRST_NAMES, LAST_NAMES, OVERLAPS, REQUESTS

pytestmark = pytest.mark.postgres
LEASE_SECONDS = "3"  # a killed process's turns are taken over this soon
SCALE_ENV = {"FRONTDESK_TURN_LEASE_SECONDS": LEASE_SECONDS}
VISITORS = 50


class Pair:
    def __init__(self, a: ServerProcess, b: ServerProcess, database_url: str) -> None:
        self.a, self.b, self.database_url = a, b, database_url

    def scalar(self, query: str, **params: Any) -> Any:
        engine = make_engine(self.database_url, keyring=TEST_KEYRING)
        try:
            with engine.connect() as db:
                return db.execute(text(query), params).scalar_one()
        finally:
            engine.dispose()


@pytest.fixture(scope="module")
def pair(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Pair]:
    tmp_path = tmp_path_factory.mktemp("pair")
    url = fresh_database_url(request, tmp_path, "postgresql")
    # One after the other: the first loads the demo world, the second finds it there.
    with (
        live_process(tmp_path / "a", database_url=url, env=SCALE_ENV) as a,
        live_process(tmp_path / "b", database_url=url, env=SCALE_ENV) as b,
    ):
        yield Pair(a, b, url.replace("postgresql://", "postgresql+psycopg://", 1))


def frames_until(chat: ChatClient, accept: Any, timeout: float = 30) -> list[Frame]:
    """Every frame up to and including the first `accept` takes."""
    seen: list[Frame] = []
    deadline = time.monotonic() + timeout
    while True:
        frame = chat.receive(max(0.1, deadline - time.monotonic()))
        seen.append(frame)
        if accept(frame):
            return seen


def is_reply_from(author: str, text: str | None = None) -> Any:
    def accept(frame: Frame) -> bool:
        return bool(
            frame["type"] == "reply"
            and frame["author"] == author
            and (text is None or frame["text"] == text)
        )

    return accept


def test_a_client_on_one_process_and_a_console_on_the_other_see_each_other_live(
    pair: Pair,
) -> None:
    with ConsoleClient(pair.b, ADMIN) as console, ChatClient(pair.a.ws_url) as chat:
        said = chat.say("I'd like to talk to a person please")
        conversation_id = said.of_type("status")[-1]["conversation_id"]
        console.until(
            lambda f: (
                f["type"] == "conversation"
                and f["conversation"]["id"] == conversation_id
                and f["conversation"]["status"] == "waiting_for_human"
            )
        )
        assert console.act("open", conversation_id=conversation_id)["type"] == "transcript"
        assert console.act("take_over", conversation_id=conversation_id)["type"] == "done"
        # The client on A hears of it from B.
        frames_until(chat, lambda f: f["type"] == "status" and f["status"] == "human")
        # The agent on A is silent now: the person on B gets the message.
        chat.send({"type": "message", "id": uuid.uuid4().hex, "text": "Are you there?"})
        console.until(
            lambda f: (
                f["type"] == "entry"
                and f["conversation_id"] == conversation_id
                and f["entry"]["text"] == "Are you there?"
            )
        )
        assert console.act("reply", conversation_id=conversation_id, text="Yes, Dr. Admin here.")[
            "type"
        ] == ("done")
        before_reply = frames_until(chat, is_reply_from("staff", "Yes, Dr. Admin here."))
    assert not [f for f in before_reply if f["type"] == "typing"]
    assert not [f for f in before_reply if f["type"] == "reply" and f["author"] == "agent"]


def test_messages_to_one_conversation_through_both_processes_are_answered_once_each_in_order(
    pair: Pair,
) -> None:
    # Each is answered from the knowledge entries, searched for by its own words.
    questions = ["Where can I park?", "What are your opening hours?", "How can I pay?"]
    with ChatClient(pair.a.ws_url) as on_a:
        on_a.say("Hello")
        with ChatClient(pair.b.ws_url, session=on_a.session) as on_b:
            conversation_id = on_b.hello["conversation_id"]
            # Sent at once, half through each process: a turn runs on one while the next
            # message arrives at the other.
            senders = [on_a if number % 2 == 0 else on_b for number in range(len(questions))]
            for number, (client, question) in enumerate(zip(senders, questions, strict=True)):
                client.send({"type": "message", "id": f"m{number}", "text": question})
            for number, client in enumerate(senders):  # taken in, and so queued
                frames_until(client, lambda f, n=number: f["type"] == "ack" and f["id"] == f"m{n}")
            deadline = time.monotonic() + 120
            while pair.scalar(
                "SELECT count(*) FROM queued_turns WHERE conversation_id = :c", c=conversation_id
            ) or pair.scalar(
                "SELECT count(*) FROM conversation_leases WHERE conversation_id = :c",
                c=conversation_id,
            ):
                assert time.monotonic() < deadline, "the queued turns were not all run"
                time.sleep(0.2)
    with api_client(pair.a, ADMIN) as admin:
        entries = admin.get(f"/conversations/{conversation_id}/entries").json()
    asked = [e["text"] for e in entries if e["author"] == "client"]
    assert asked[0] == "Hello"
    assert sorted(asked[1:]) == sorted(questions)
    # Each message had one turn of its own, in the order the messages were taken in: the
    # knowledge searches name them once each, in that order.
    searched = [
        e["extra"]["tool"]["args"]["query"]
        for e in entries
        if e["author"] == "tool" and e["extra"]["tool"]["name"] == "search_knowledge"
    ]
    assert [query.split(" (")[0] for query in searched] == asked[1:], entries


def test_a_process_killed_mid_turn_loses_nothing(
    pair: Pair, tmp_path_factory: pytest.TempPathFactory
) -> None:
    tmp_path = tmp_path_factory.mktemp("doomed")
    with silent_model_server() as model:
        env = {**SCALE_ENV, "OPENAI_BASE_URL": model.base_url, "OPENAI_API_KEY": "sk-test"}
        with live_process(tmp_path, database_url=_plain(pair.database_url), env=env) as doomed:
            chat = ChatClient(doomed.ws_url)
            chat.say("Where can I park?", answered=False)
            assert model.asked.wait(30), "the turn never reached the model"
            doomed.process.send_signal(signal.SIGKILL)
            doomed.process.wait()
            session = chat.session
    # The client's socket comes back on the other process, and gets its answer there.
    with ChatClient(pair.b.ws_url, session=session) as back:
        history = back.hello["history"]
        if not any(e["author"] == "agent" for e in history):
            frames_until(back, is_reply_from("agent"), timeout=LEASE_SECONDS_WAIT)
        conversation_id = back.hello["conversation_id"]
    with api_client(pair.b, ADMIN) as admin:
        entries = admin.get(f"/conversations/{conversation_id}/entries").json()
    assert [e["text"] for e in entries if e["author"] == "client"] == ["Where can I park?"]
    assert [e for e in entries if e["author"] == "agent"]
    assert (
        pair.scalar(
            "SELECT count(*) FROM queued_turns WHERE conversation_id = :c", c=conversation_id
        )
        == 0
    )


LEASE_SECONDS_WAIT = 30.0


def visit(server: LiveServer, number: int) -> dict[str, Any]:
    with ChatClient(server.ws_url) as chat:
        return book_something(
            chat,
            request=REQUESTS[number % len(REQUESTS)],
            name=f"{FIRST_NAMES[number % 10]} {LAST_NAMES[number // 10 % 5]}",
            phone=f"+49 171 555{number:04d}",
            rng=random.Random(number),
        )


def test_many_visitors_split_across_both_processes_book_without_double_booking(
    pair: Pair,
) -> None:
    servers = [pair.a, pair.b]
    with ThreadPoolExecutor(VISITORS) as pool:
        cards = list(pool.map(lambda n: visit(servers[n % 2], n), range(VISITORS)))
    assert all(card["status"] == "confirmed" for card in cards)
    assert len({card["booking_id"] for card in cards}) == VISITORS
    assert pair.scalar(OVERLAPS) == 0


def test_a_knowledge_change_made_through_one_process_is_found_on_the_other(pair: Pair) -> None:
    entry = {
        "id": "bicycle-parking",
        "title": "Bicycle parking",
        "text": "Bicycles can be left in the courtyard rack behind the blue gate.",
    }
    with api_client(pair.a, ADMIN) as admin:
        assert admin.post("/knowledge", json=entry).status_code == 201
    time.sleep(1)  # within a second, every process knows
    with ChatClient(pair.b.ws_url) as chat:
        answer = chat.say("Where can I leave my bicycle?").text
    assert "courtyard rack behind the blue gate" in answer


def test_sign_in_failures_are_counted_across_processes(pair: Pair) -> None:
    account = "dr-neumann@demo.frontdesk"
    for number in range(5):
        server = pair.a if number % 2 == 0 else pair.b
        assert sign_in(server, account, "guess-guess").status_code == 401
    for server in (pair.a, pair.b):
        blocked = sign_in(server, account)  # even the right password, on either process
        assert blocked.status_code == 429, blocked.text


def test_a_second_server_on_one_sqlite_file_refuses_to_start(tmp_path: Path) -> None:
    with (
        live_process(tmp_path / "data"),
        pytest.raises(RuntimeError) as refused,
        live_process(tmp_path / "data"),
    ):
        pass
    assert "SQLite serves one process" in str(refused.value)
    assert "PostgreSQL" in str(refused.value)


def _plain(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)
