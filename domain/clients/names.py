"""Clients by name: what the console and the agent's greeting call a client."""

from __future__ import annotations

from collections.abc import Collection

from sqlmodel import col, select

from domain.kernel.uow import UnitOfWork
from domain.models import Client


def client_names(*, uow: UnitOfWork, client_ids: Collection[str]) -> dict[str, str]:
    """Return the name of each of these clients by id; an id no client has is left out."""
    if not client_ids:
        return {}
    with uow.reading() as reader:
        rows = reader.session.exec(
            select(Client.id, Client.name).where(col(Client.id).in_(sorted(set(client_ids))))
        )
        return {client_id: name for client_id, name in rows}
