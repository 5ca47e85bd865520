"""Turns queued in the database and run under a lease, one process at a time per conversation."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest

from domain.conversations import turn_queue
from domain.conversations.transcripts import take_in
from domain.kernel.errors import NotFound
from domain.kernel.uow import UnitOfWork

LEASE = timedelta(seconds=15)
NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


def message(uow: UnitOfWork, text: str, address: str = "session-1") -> tuple[str, int]:
    intake = take_in(uow=uow, channel="web", address=address, text=text, external_id=f"web:{text}")
    assert intake.entry is not None
    assert intake.entry.id is not None
    return intake.conversation.id, intake.entry.id


def test_a_message_taken_in_is_queued_with_it_in_arrival_order(uow: UnitOfWork) -> None:
    conversation_id, first = message(uow, "hello")
    _, second = message(uow, "and another thing")
    turn = turn_queue.next_turn(uow=uow, conversation_id=conversation_id)
    assert turn is not None
    assert turn.entry_id == first
    assert turn_queue.message_of(uow=uow, turn=turn) == "hello"
    assert turn.id is not None
    turn_queue.turn_done(uow=uow, turn_id=turn.id)
    after = turn_queue.next_turn(uow=uow, conversation_id=conversation_id)
    assert after is not None
    assert after.entry_id == second


def test_a_message_taken_in_twice_is_queued_once(uow: UnitOfWork) -> None:
    conversation_id, _ = message(uow, "hello")
    again = take_in(
        uow=uow, channel="web", address="session-1", text="hello", external_id="web:hello"
    )
    assert again.entry is None
    turn = turn_queue.next_turn(uow=uow, conversation_id=conversation_id)
    assert turn is not None
    assert turn.id is not None
    turn_queue.turn_done(uow=uow, turn_id=turn.id)
    assert turn_queue.next_turn(uow=uow, conversation_id=conversation_id) is None


def test_one_holder_at_a_time_until_the_lease_expires(uow: UnitOfWork) -> None:
    conversation_id, _ = message(uow, "hello")

    def claim(holder: str, now: datetime) -> bool:
        return turn_queue.claim(
            uow=uow, conversation_id=conversation_id, holder=holder, now=now, lease=LEASE
        )

    assert claim("a", NOW)
    assert not claim("b", NOW + timedelta(seconds=14))
    assert claim("a", NOW + timedelta(seconds=14))  # renewed by its holder
    assert not claim("b", NOW + timedelta(seconds=28))
    assert claim("b", NOW + timedelta(seconds=30))  # "a" went silent: taken over
    turn_queue.release(uow=uow, conversation_id=conversation_id, holder="a")  # too late: no-op
    assert not claim("c", NOW + timedelta(seconds=31))
    turn_queue.release(uow=uow, conversation_id=conversation_id, holder="b")
    assert claim("c", NOW + timedelta(seconds=31))


def test_racing_claims_of_a_free_conversation_give_it_to_exactly_one(uow: UnitOfWork) -> None:
    conversation_id, _ = message(uow, "hello")

    def claim(number: int) -> bool:
        own = UnitOfWork(uow.engine, uow.clock)  # one per thread, as each request has
        return turn_queue.claim(
            uow=own, conversation_id=conversation_id, holder=f"p{number}", now=NOW, lease=LEASE
        )

    with ThreadPoolExecutor(8) as pool:
        won = list(pool.map(claim, range(16)))
    assert won.count(True) == 1


def test_queued_turns_of_an_expired_lease_are_found_by_a_sweep(uow: UnitOfWork) -> None:
    conversation_id, _ = message(uow, "hello")
    assert turn_queue.unattended(uow=uow, now=NOW) == [conversation_id]
    turn_queue.claim(uow=uow, conversation_id=conversation_id, holder="a", now=NOW, lease=LEASE)
    assert turn_queue.unattended(uow=uow, now=NOW + timedelta(seconds=5)) == []
    turn_queue.renew(
        uow=uow, holders=["a"], conversation_ids=[conversation_id], until=NOW + LEASE * 2
    )
    assert turn_queue.unattended(uow=uow, now=NOW + LEASE + timedelta(seconds=1)) == []
    assert turn_queue.unattended(uow=uow, now=NOW + LEASE * 2) == [conversation_id]


def test_the_lease_of_a_conversation_that_does_not_exist_is_refused_as_not_found(
    uow: UnitOfWork,
) -> None:
    # A staff action on an unknown conversation waits for this lease: it must not wait forever.
    with pytest.raises(NotFound, match="No such conversation"):
        turn_queue.claim(uow=uow, conversation_id="nope", holder="a", now=NOW, lease=LEASE)
