"""Audit events, outbox messages and idempotency keys, written inside the caller's transaction."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlalchemy import bindparam, insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col, select

from domain.kernel.actors import Actor
from domain.kernel.errors import IdempotencyConflict
from domain.kernel.uow import UnitOfWork
from domain.models import AuditEvent, IdempotencyKey, OutboxMessage

# Built once and sent at once, as plain inserts: an ORM object costs more to build and flush
# than the statement does to run. No other row refers to these, so the order does not matter.
_AUDIT = insert(AuditEvent).values(
    at=bindparam("at"),
    actor_kind=bindparam("actor_kind"),
    actor_id=bindparam("actor_id"),
    action=bindparam("action"),
    subject_type=bindparam("subject_type"),
    subject_id=bindparam("subject_id"),
    channel=bindparam("channel"),
    details=bindparam("details"),
)
_ENQUEUE = insert(OutboxMessage).values(
    created_at=bindparam("created_at"),
    event=bindparam("event"),
    subject_id=bindparam("subject_id"),
    payload=bindparam("payload"),
    status="pending",
    attempts=0,
)


def audit(
    uow: UnitOfWork,
    *,
    actor: Actor,
    action: str,
    subject_type: str,
    subject_id: str,
    details: dict[str, Any] | None = None,
) -> None:
    """Record who did what to which subject, in the caller's transaction."""
    uow.session.connection().execute(
        _AUDIT,
        {
            "at": uow.now(),
            "actor_kind": actor.kind,
            "actor_id": actor.id,
            "action": action,
            "subject_type": subject_type,
            "subject_id": subject_id,
            "channel": actor.channel,
            "details": details or {},
        },
    )


def enqueue(uow: UnitOfWork, *, event: str, subject_id: str, payload: dict[str, Any]) -> None:
    """Queue a notification, in the caller's transaction: it is sent only if the change is."""
    uow.session.connection().execute(
        _ENQUEUE,
        {"created_at": uow.now(), "event": event, "subject_id": subject_id, "payload": payload},
    )


def fingerprint(arguments: dict[str, Any]) -> str:
    """Return a stable digest of a command's arguments, to tell a retry from a reused key."""
    canonical = json.dumps(arguments, sort_keys=True, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def recall(uow: UnitOfWork, *, key: str, command: str, print_: str) -> str | None:
    """Return the id a command already created under this key, refusing a key reused otherwise."""
    # Under every key of the ring: a key digested before a rotation still answers.
    record = uow.session.exec(select(IdempotencyKey).where(IdempotencyKey.key == key)).first()
    if record is None:
        return None
    return recorded_answer(
        record.command, record.fingerprint, record.resource_id, command=command, print_=print_
    )


def recorded_answer(
    recorded_command: str, recorded_print: str, resource_id: str, *, command: str, print_: str
) -> str:
    """Return the id a key on record answers with, refusing it for a different request."""
    if recorded_command != command or recorded_print != print_:
        raise IdempotencyConflict(
            "This request key was already used for a different request; use a new key."
        )
    return resource_id


def _claim_statement(dialect: Any) -> Any:
    return (
        dialect.insert(IdempotencyKey)
        .values(
            key=bindparam("key"),
            command=bindparam("command"),
            fingerprint=bindparam("fingerprint"),
            resource_id=bindparam("resource_id"),
            created_at=bindparam("created_at"),
        )
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(col(IdempotencyKey.key))
    )


# Built once per dialect: only the parameters change from one command to the next.
_CLAIMS = {"postgresql": _claim_statement(postgresql), "sqlite": _claim_statement(sqlite)}


def claim_statement(dialect_name: str) -> Any:
    """The claim's INSERT for a dialect, returning the key when it was claimed."""
    return _CLAIMS[dialect_name]


def claim(uow: UnitOfWork, *, key: str, command: str, print_: str, resource_id: str) -> bool:
    """Record the key for what this command is about to create; False if it was used already.

    One statement instead of a look-up before and a write after. A concurrent call with the
    same key waits here until the first one's transaction ends, then finds its key (or not).
    """
    claimed = uow.session.connection().execute(
        _CLAIMS[uow.engine.dialect.name],
        {
            "key": key,
            "command": command,
            "fingerprint": print_,
            "resource_id": resource_id,
            "created_at": uow.now(),
        },
    )
    return claimed.first() is not None


def remember(uow: UnitOfWork, *, key: str, command: str, print_: str, resource_id: str) -> None:
    uow.session.add(
        IdempotencyKey(
            key=key,
            command=command,
            fingerprint=print_,
            resource_id=resource_id,
            created_at=uow.now(),
        )
    )
