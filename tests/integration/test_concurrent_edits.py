"""Edits at the same moment, on SQLite and PostgreSQL: one change per version read wins, merges
lose nothing, and an id or address taken meanwhile is refused rather than failing."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Engine, Executable, insert, text
from sqlmodel import col, select

from domain.catalog.categories import CATEGORIES
from domain.clients.records import update_client, update_profile
from domain.clients.registration import register_client
from domain.kernel.actors import SYSTEM, client_actor
from domain.kernel.db import SQLITE_BEGIN, is_sqlite
from domain.kernel.errors import DomainError
from domain.kernel.uow import UnitOfWork
from domain.models import Category, ChannelIdentity, Client, StaffRole, StaffUser
from domain.models.sealed import bound_to_row

pytestmark = pytest.mark.usefixtures("sample_world")
ADMIN = StaffUser(
    id="staff-admin",
    email="admin@example.org",
    name="Admin",
    role=StaffRole.ADMIN,
    created_at=datetime(2026, 1, 5, tzinfo=UTC),
)
PHONES = {"ana": "+4915112345678", "tom": "+4915198765432"}  # as the sample world has them
# Far longer than any lock wait here: only reached when a thread never gets to the lock.
HANG_GUARD_SECONDS = 120


def outcome(attempt: Callable[[], object]) -> str:
    """Run an attempt: "done", or the code of the domain error that refused it."""
    try:
        attempt()
    except DomainError as refused:
        return refused.code
    return "done"


def race(uow: UnitOfWork, hold: Executable, attempts: Sequence[Callable[[], object]]) -> list[str]:
    """Run the attempts in threads that all reach the lock `hold` takes, then let them go.

    On PostgreSQL the lock is let go once every thread waits for it, so each one has read what
    it read before any of them commits. SQLite's write lock queues whole transactions, so there
    no order of theirs can change the outcome.
    """
    engine = uow.engine
    holder = engine.connect().execution_options(**{SQLITE_BEGIN: "IMMEDIATE"})
    try:
        holder.begin()
        holder.execute(hold)
        with ThreadPoolExecutor(max_workers=len(attempts)) as pool:
            futures = [pool.submit(outcome, attempt) for attempt in attempts]
            wait_until_all_wait(engine, futures)
            holder.rollback()
            return [future.result() for future in futures]
    finally:
        holder.close()


def wait_until_all_wait(engine: Engine, futures: list[Future[str]]) -> None:
    if is_sqlite(engine):
        return
    guard = time.monotonic() + HANG_GUARD_SECONDS
    with engine.connect() as watcher:
        while not any(future.done() for future in futures):
            waiting = watcher.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
            ).scalar_one()
            watcher.rollback()  # pg_stat_activity stays as first read within a transaction
            if waiting >= len(futures):
                return
            if time.monotonic() > guard:
                raise RuntimeError(f"only {waiting} of {len(futures)} threads reached the lock")
            time.sleep(0.01)


def fresh(uow: UnitOfWork) -> UnitOfWork:
    return UnitOfWork(uow.engine, uow.clock)


def stored_client(uow: UnitOfWork, client_id: str) -> Client:
    with uow.reading() as reader:
        return reader.session.get_one(Client, client_id)


def lock_client(client_id: str) -> Executable:
    return select(col(Client.id)).where(col(Client.id) == client_id).with_for_update()


def rename(uow: UnitOfWork, name: str, **more: Any) -> Callable[[], object]:
    return lambda: update_client(
        uow=fresh(uow),
        staff=ADMIN,
        client_id="tom",
        expected_version=1,
        changes={"name": name, **more},
    )


def test_of_two_changes_from_the_same_version_one_wins_and_one_is_told_it_is_stale(
    uow: UnitOfWork,
) -> None:
    answers = race(uow, lock_client("tom"), [rename(uow, "Tom First"), rename(uow, "Tom Second")])
    assert Counter(answers) == {"done": 1, "stale_version": 1}
    tom = stored_client(uow, "tom")
    assert (tom.version, tom.name in {"Tom First", "Tom Second"}) == (2, True)


def test_profile_answers_saved_at_the_same_time_are_all_kept(uow: UnitOfWork) -> None:
    def answer(field: str, value: str) -> Callable[[], object]:
        return lambda: update_profile(
            uow=fresh(uow), actor=client_actor("tom", "sms"), client_id="tom", values={field: value}
        )

    answers = race(
        uow,
        lock_client("tom"),
        [answer("address", "Linienstrasse 1"), answer("insurance_number", "TK-1")],
    )
    assert answers == ["done", "done"]
    tom = stored_client(uow, "tom")
    assert tom.profile == {
        "date_of_birth": "1978-11-30",
        "address": "Linienstrasse 1",
        "insurance_number": "TK-1",
    }
    assert tom.version == 3


def test_an_id_taken_at_the_same_time_is_refused_as_taken(uow: UnitOfWork) -> None:
    def add() -> Category:
        return CATEGORIES.add(uow=fresh(uow), staff=ADMIN, item=Category(id="dental", name="Teeth"))

    held_back = insert(Category).values(id="dental", name="Held back", archived=False, version=1)
    assert Counter(race(uow, held_back, [add, add])) == {"done": 1, "conflict": 1}


def test_of_two_clients_given_one_new_phone_number_at_the_same_time_one_gets_it(
    uow: UnitOfWork,
) -> None:
    number = "+491705559999"
    # Held by a third client's uncommitted identity, so both changes wait on the number itself.
    third = register_client(uow=uow, actor=SYSTEM, name="Third", idempotency_key="third")

    def give(client_id: str) -> Callable[[], object]:
        return lambda: update_client(
            uow=fresh(uow),
            staff=ADMIN,
            client_id=client_id,
            expected_version=1,
            changes={"phone": number},
        )

    held_back = insert(ChannelIdentity).values(
        id="held-back",
        channel="sms",
        address=bound_to_row(number, "held-back"),
        address_index=number,  # digested on the way, as the ORM writes it
        client_id=third.id,
    )
    answers = race(uow, held_back, [give("ana"), give("tom")])
    assert Counter(answers) == {"done": 1, "conflict": 1}
    winner, loser = ("ana", "tom") if answers[0] == "done" else ("tom", "ana")
    with uow.reading() as reader:
        phones = {c.id: c.phone for c in reader.session.exec(select(Client))}
        by_sms = reader.session.exec(
            select(ChannelIdentity).where(col(ChannelIdentity.channel) == "sms")
        )
        sms = {identity.client_id: identity.address for identity in by_sms}
    assert (phones[winner], phones[loser]) == (number, PHONES[loser])
    # Each number on file still leads to its client: the loser kept theirs.
    assert sms == {"ana": phones["ana"], "tom": phones["tom"]}
