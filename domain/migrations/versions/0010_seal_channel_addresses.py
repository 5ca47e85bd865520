"""Where clients are on each channel, sealed: channel identities, conversations' addresses and
SMS opt-outs keep the address sealed with the document keys and found by a blind index.

Identities and opt-outs were keyed by the address itself; they get an id of their own, and the
blind index keeps one row per address. The downgrade opens every address again.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07
"""

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from domain.kernel.keyring import Keyring
from domain.kernel.sealing_conversion import (
    ADDRESS_FIELDS,
    ADDRESS_INDEXES,
    open_sealed_values,
    seal_clear_values,
)

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN_AT_ADDRESS = "status <> 'closed' AND address_index IS NOT NULL"
OPEN_AT_CLEAR_ADDRESS = "status <> 'closed' AND address <> ''"
KEYED = (
    ("channel_identities", "address", ("channel", "address")),
    ("sms_opt_outs", "phone", ("phone",)),
)


def _keyring() -> Keyring:
    keyring = op.get_context().config.attributes.get("keyring")  # type: ignore[union-attr]
    if not isinstance(keyring, Keyring):
        raise RuntimeError("migration 0010 seals values: run it through `frontdesk db upgrade`")
    return keyring


def _give_ids(table: str, key: tuple[str, ...]) -> None:
    bind = op.get_bind()
    listed = ", ".join(key)
    where = " AND ".join(f"{c} = :{c}" for c in key)
    for row in bind.execute(sa.text(f"SELECT {listed} FROM {table}")).all():  # noqa: S608
        bind.execute(
            sa.text(f"UPDATE {table} SET id = :id WHERE {where}"),  # noqa: S608
            {"id": uuid.uuid4().hex, **row._mapping},
        )


def upgrade() -> None:
    for table, column, key in KEYED:
        op.add_column(table, sa.Column("id", sa.String(length=64), nullable=True))
        op.add_column(table, sa.Column(f"{column}_index", sa.String(length=64), nullable=True))
        _give_ids(table, key)
        op.drop_constraint(f"{table}_pkey", table, type_="primary")
        op.alter_column(table, "id", nullable=False)
        op.create_primary_key(f"{table}_pkey", table, ["id"])
        op.alter_column(table, column, type_=sa.Text())
    op.drop_index("uq_conversations_open_address", table_name="conversations")
    op.drop_index("ix_conversations_address", table_name="conversations")
    op.add_column("conversations", sa.Column("address_index", sa.String(length=64), nullable=True))
    op.alter_column("conversations", "address", type_=sa.Text())
    seal_clear_values(
        op.get_bind(),
        _keyring(),
        fields=ADDRESS_FIELDS,
        indexes=ADDRESS_INDEXES,
        digest_idempotency_keys=False,
    )
    op.create_index("ix_channel_identities_address_index", "channel_identities", ["address_index"])
    op.create_unique_constraint(
        "uq_channel_identities_address", "channel_identities", ["channel", "address_index"]
    )
    op.create_index("ix_sms_opt_outs_phone_index", "sms_opt_outs", ["phone_index"], unique=True)
    op.create_index(
        "uq_conversations_open_address",
        "conversations",
        ["channel", "address_index"],
        unique=True,
        postgresql_where=sa.text(OPEN_AT_ADDRESS),
    )


def downgrade() -> None:
    open_sealed_values(op.get_bind(), _keyring(), fields=ADDRESS_FIELDS)
    op.drop_index("uq_conversations_open_address", table_name="conversations")
    op.drop_column("conversations", "address_index")
    op.alter_column("conversations", "address", type_=sa.String(length=255))
    op.create_index("ix_conversations_address", "conversations", ["address"])
    op.create_index(
        "uq_conversations_open_address",
        "conversations",
        ["channel", "address"],
        unique=True,
        postgresql_where=sa.text(OPEN_AT_CLEAR_ADDRESS),
    )
    op.drop_index("ix_sms_opt_outs_phone_index", table_name="sms_opt_outs")
    op.drop_constraint("uq_channel_identities_address", "channel_identities", type_="unique")
    op.drop_index("ix_channel_identities_address_index", table_name="channel_identities")
    for table, column, key in KEYED:
        op.drop_constraint(f"{table}_pkey", table, type_="primary")
        op.drop_column(table, "id")
        op.drop_column(table, f"{column}_index")
        op.alter_column(table, column, type_=sa.String(length=255 if column == "address" else 32))
        op.create_primary_key(f"{table}_pkey", table, list(key))
