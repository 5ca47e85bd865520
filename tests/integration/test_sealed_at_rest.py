"""Sealed columns on SQLite and PostgreSQL: bound to their rows, found by blind index, rotated
to a new key in batches while the old key still opens what it sealed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import HumanMessage
from langgraph.checkpoint.base import empty_checkpoint
from sqlalchemy import Engine, text
from sqlmodel import select

from agent.checkpoint import open_checkpointer, rotate_checkpoints
from domain.documents.key_rotation import rotate_sealed_values
from domain.documents.sealing import seal, unseal
from domain.kernel.clock import FrozenClock
from domain.kernel.keyring import Keyring, SealedValueUnreadable
from domain.kernel.uow import UnitOfWork
from domain.models import Client, UploadedDocument
from testkit.keys import ROTATED_IN, ROTATED_OUT, rotation_engines

OLD, NEW = ROTATED_OUT, ROTATED_IN
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PROFILE = {"date_of_birth": "1961-07-04", "nationality": "Maltese"}


@pytest.fixture
def engines(database_url: str) -> Iterator[dict[str, Engine]]:
    with rotation_engines(database_url) as made:
        yield made


def add_clients(engine: Engine, count: int) -> None:
    with UnitOfWork(engine, FrozenClock(NOW)) as uow:
        for n in range(count):
            uow.session.add(
                Client(
                    id=f"c{n}",
                    name=f"Client {n}",
                    phone=f"+4917000000{n:02d}",
                    email=f"Client{n}@Example.org",
                    profile={**PROFILE, "n": n},
                    created_at=NOW,
                )
            )
        uow.commit()


def found_by_phone(engine: Engine, phone: str) -> list[str]:
    with UnitOfWork(engine, FrozenClock(NOW)).reading() as uow:
        return [c.id for c in uow.session.exec(select(Client).where(Client.phone == phone))]


def raw(engine: Engine, query: str) -> list[tuple[Any, ...]]:
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(text(query))]


def test_values_are_kept_sealed_and_read_back_plain(engines: dict[str, Engine]) -> None:
    add_clients(engines["old"], 1)
    ((phone, profile, phone_index),) = raw(
        engines["old"], "SELECT phone, profile, phone_index FROM clients WHERE id = 'c0'"
    )
    assert phone.startswith(f"fd1:{OLD.key_id}:")
    assert "Maltese" not in profile
    assert phone_index.startswith(f"{OLD.key_id}:")
    with UnitOfWork(engines["old"], FrozenClock(NOW)).reading() as uow:
        client = uow.session.get(Client, "c0")
        assert client is not None
        assert (client.phone, client.profile["nationality"]) == ("+491700000000", "Maltese")


def test_a_phone_or_email_is_found_by_its_blind_index_whatever_the_letters_case(
    engines: dict[str, Engine],
) -> None:
    add_clients(engines["old"], 3)
    assert found_by_phone(engines["old"], "+491700000001") == ["c1"]
    assert found_by_phone(engines["old"], "+491700000009") == []
    with UnitOfWork(engines["old"], FrozenClock(NOW)).reading() as uow:
        by_email = uow.session.exec(select(Client).where(Client.email == "client2@example.ORG"))
        assert [c.id for c in by_email] == ["c2"]


def test_a_sealed_value_copied_into_another_row_does_not_open_there(
    engines: dict[str, Engine],
) -> None:
    add_clients(engines["old"], 2)
    with engines["old"].begin() as connection:
        connection.execute(
            text(
                "UPDATE clients SET profile = (SELECT profile FROM clients WHERE id = 'c0')"
                " WHERE id = 'c1'"
            )
        )
    with UnitOfWork(engines["old"], FrozenClock(NOW)).reading() as uow:
        assert uow.session.get(Client, "c0") is not None
        with pytest.raises(SealedValueUnreadable, match="moved from another row"):
            uow.session.get(Client, "c1")


def test_a_key_no_longer_in_the_ring_opens_nothing(engines: dict[str, Engine]) -> None:
    add_clients(engines["old"], 1)
    with (
        UnitOfWork(engines["new"], FrozenClock(NOW)).reading() as uow,
        pytest.raises(SealedValueUnreadable, match="not sealed with a known key"),
    ):
        uow.session.get(Client, "c0")


def test_rotation_reseals_everything_in_batches_and_old_rows_stay_readable_meanwhile(
    engines: dict[str, Engine],
) -> None:
    add_clients(engines["old"], 7)
    with UnitOfWork(engines["old"], FrozenClock(NOW)) as uow:
        sealed = seal(OLD, b"%PDF-1.7 referral", document_id="d1", client_id="c0")
        uow.session.add(
            UploadedDocument(
                id="d1",
                client_id="c0",
                filename="referral.pdf",
                content_type="application/pdf",
                size_bytes=17,
                sha256="0" * 64,
                ciphertext=sealed,
                created_at=NOW,
            )
        )
        uow.commit()
    # The service restarted with the new key current and the old one retired: it reads and
    # finds everything before the rotation has run, and writes with the new key.
    assert found_by_phone(engines["rotating"], "+491700000003") == ["c3"]
    with UnitOfWork(engines["rotating"], FrozenClock(NOW)) as uow:
        client = uow.session.get(Client, "c4")
        assert client is not None
        client.profile = {**client.profile, "nationality": "Irish"}
        uow.commit()
    rotated = rotate_sealed_values(engines["rotating"], Keyring(NEW, (OLD,)), batch=3)
    assert rotated.counts["clients.profile"] == 6  # c4 was already written with the new key
    assert rotated.counts["clients.phone_index"] == 7
    assert rotated.counts["uploaded_documents.ciphertext"] == 1
    ((upload,),) = raw(engines["new"], "SELECT ciphertext FROM uploaded_documents")
    assert unseal(NEW, bytes(upload), document_id="d1", client_id="c0") == b"%PDF-1.7 referral"
    stored = raw(engines["new"], "SELECT phone, email, profile, phone_index FROM clients")
    assert all(v.startswith(f"fd1:{NEW.key_id}:") for row in stored for v in row[:3])
    assert all(row[3].startswith(f"{NEW.key_id}:") for row in stored)
    # With the old key gone, everything still opens and is found.
    assert found_by_phone(engines["new"], "+491700000003") == ["c3"]
    with UnitOfWork(engines["new"], FrozenClock(NOW)).reading() as uow:
        profiles = {c.id: c.profile["nationality"] for c in uow.session.exec(select(Client))}
    assert profiles == {f"c{n}": "Irish" if n == 4 else "Maltese" for n in range(7)}
    assert rotate_sealed_values(engines["new"], Keyring(NEW)).total == 0  # nothing left


def test_checkpoints_are_sealed_and_rotated(database_url: str, tmp_path: Path) -> None:
    config = {"configurable": {"thread_id": "t1", "checkpoint_ns": ""}}
    checkpoint = empty_checkpoint()
    checkpoint["channel_values"] = {"messages": [HumanMessage("my insurance is Z55501234")]}
    checkpoint["channel_versions"] = {"messages": 1}
    with open_checkpointer(database_url, tmp_path, Keyring(OLD)) as saver:
        saver.put(config, checkpoint, {"source": "input", "step": 0}, {"messages": 1})  # type: ignore[arg-type]
    moved = rotate_checkpoints(database_url, tmp_path, Keyring(NEW, (OLD,)), batch=1)
    assert moved >= 1
    with open_checkpointer(database_url, tmp_path, Keyring(NEW)) as saver:
        kept = saver.get_tuple({"configurable": {"thread_id": "t1", "checkpoint_ns": ""}})
    assert kept is not None
    (message,) = kept.checkpoint["channel_values"]["messages"]
    assert message.content == "my insurance is Z55501234"
