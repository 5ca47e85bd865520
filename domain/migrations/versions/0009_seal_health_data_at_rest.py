"""Health data at rest: client contacts and profiles, intake, transcripts, generated forms
sealed with the document keys; blind indexes for phone and email; idempotency keys digested.

The keyring comes from the caller (`upgrade_schema` passes the engine's). The downgrade opens
every value again with the same keys (idempotency keys stay digested: they cannot be undone,
and only a retry within moments of the downgrade would miss its key).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from domain.kernel.keyring import Keyring
from domain.kernel.sealing_conversion import (
    HEALTH_FIELDS,
    HEALTH_INDEXES,
    open_sealed_values,
    seal_clear_values,
)

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_COLUMNS = (("clients", "profile"), ("bookings", "intake"), ("conversation_entries", "extra"))
TEXT_COLUMNS = (
    ("clients", "phone"),
    ("clients", "email"),
    ("conversations", "last_message"),
    ("conversation_entries", "text"),
    ("verification_codes", "sent_to"),
    ("notifications", "to_address"),
)


def _keyring() -> Keyring:
    keyring = op.get_context().config.attributes.get("keyring")  # type: ignore[union-attr]
    if not isinstance(keyring, Keyring):
        raise RuntimeError("migration 0009 seals values: run it through `frontdesk db upgrade`")
    return keyring


def upgrade() -> None:
    op.drop_index("ix_clients_phone", table_name="clients")
    op.drop_index("ix_clients_email", table_name="clients")
    for name in ("phone_index", "email_index"):
        op.add_column("clients", sa.Column(name, sa.String(length=64), nullable=True))
        op.create_index(f"ix_clients_{name}", "clients", [name])
    op.add_column("verification_codes", sa.Column("sent_to_index", sa.String(64), nullable=True))
    op.create_index("ix_verification_codes_sent_to_index", "verification_codes", ["sent_to_index"])
    for table, column in JSON_COLUMNS:
        op.alter_column(table, column, type_=sa.Text(), postgresql_using=f"{column}::text")
    for table, column in TEXT_COLUMNS:
        op.alter_column(table, column, type_=sa.Text())
    op.alter_column(
        "generated_forms",
        "content",
        type_=sa.Text(),
        postgresql_using="encode(content, 'base64')",
    )
    seal_clear_values(op.get_bind(), _keyring(), fields=HEALTH_FIELDS, indexes=HEALTH_INDEXES)


def downgrade() -> None:
    open_sealed_values(op.get_bind(), _keyring(), fields=HEALTH_FIELDS)
    op.alter_column(
        "generated_forms",
        "content",
        type_=sa.LargeBinary(),
        postgresql_using="decode(content, 'base64')",
    )
    for table, column in JSON_COLUMNS:
        op.alter_column(table, column, type_=sa.JSON(), postgresql_using=f"{column}::json")
    for table, column in TEXT_COLUMNS:
        op.alter_column(table, column, type_=sa.String())
    for name in ("phone_index", "email_index"):
        op.drop_index(f"ix_clients_{name}", table_name="clients")
        op.drop_column("clients", name)
    op.drop_index("ix_verification_codes_sent_to_index", table_name="verification_codes")
    op.drop_column("verification_codes", "sent_to_index")
    op.create_index("ix_clients_phone", "clients", ["phone"])
    op.create_index("ix_clients_email", "clients", ["email"])
