"""Where a client is on a channel: the address a linked identity gives them."""

from __future__ import annotations

from sqlmodel import col, select

from domain.kernel.uow import UnitOfWork
from domain.models import ChannelIdentity


def linked_address(*, uow: UnitOfWork, client_id: str, channel: str) -> str | None:
    """Return the client's address on the channel (a chat id, a number); None if not linked."""
    with uow.reading() as reader:
        return reader.session.exec(
            select(ChannelIdentity.address)
            .where(col(ChannelIdentity.client_id) == client_id)
            .where(col(ChannelIdentity.channel) == channel)
            .order_by(col(ChannelIdentity.address))
        ).first()
