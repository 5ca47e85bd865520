"""What a live server stored, read through the domain's models, as the server reads it.

Conversation texts and client contacts are sealed at rest (docs/security.md), so tests read
them with the test servers' shared key rather than with raw SQL.
"""

from __future__ import annotations

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from domain.kernel.db import make_engine
from domain.models import ChannelIdentity, Conversation, ConversationEntry, find_identity
from testkit.keys import TEST_KEYRING
from testkit.processes import LiveServer


def server_database(server: LiveServer) -> Engine:
    """An engine on a live server's SQLite file that opens what the server sealed."""
    return make_engine(f"sqlite:///{server.log_path.parent / 'frontdesk.db'}", keyring=TEST_KEYRING)


def entries_on(engine: Engine, channel: str, address: str) -> list[tuple[str, str]]:
    """(author, text) of every entry in the conversations of one channel address, in order."""
    with Session(engine) as session:
        found = session.exec(
            select(ConversationEntry)
            .join(Conversation, col(Conversation.id) == col(ConversationEntry.conversation_id))
            .where(Conversation.channel == channel, Conversation.address == address)
            .order_by(col(ConversationEntry.id))
        )
        return [(entry.author, entry.text) for entry in found]


def client_texts(engine: Engine, channel: str, address: str) -> list[str]:
    """What the client wrote on one channel address, in order."""
    return [text for author, text in entries_on(engine, channel, address) if author == "client"]


def identity_at(session: Session, channel: str, address: str) -> ChannelIdentity:
    """The identity at a channel address, which the test expects to exist."""
    identity = find_identity(session, channel, address)
    assert identity is not None, f"no identity at {channel} {address}"
    return identity


def index_of(address: str) -> str:
    """The blind index a live server keeps for an address or phone (raw SQL compares those)."""
    return TEST_KEYRING.blind_index(address)


def identities_of(server: LiveServer, client_id: str) -> list[tuple[str, str]]:
    """(channel, address) of every channel identity of a client, opened, in order."""
    engine = server_database(server)
    try:
        with Session(engine) as session:
            found = session.exec(
                select(ChannelIdentity).where(col(ChannelIdentity.client_id) == client_id)
            )
            return sorted((identity.channel, identity.address) for identity in found)
    finally:
        engine.dispose()
