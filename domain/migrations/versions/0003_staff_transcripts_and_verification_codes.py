"""Staff accounts, conversation transcripts and verification codes.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "staff_users",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("email", sa.String(length=255), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("provider_id", sa.String(), nullable=True),
        sa.Column("password_hash", sa.String(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["provider_id"],
            ["providers.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("email"),
    )
    op.create_index(
        op.f("ix_staff_users_provider_id"), "staff_users", ["provider_id"], unique=False
    )
    op.create_table(
        "conversation_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("author", sa.String(length=16), nullable=False),
        sa.Column("staff_id", sa.String(), nullable=True),
        sa.Column("text", sa.String(), nullable=False),
        sa.Column("extra", sa.JSON(), nullable=False),
        sa.Column("external_id", sa.String(length=128), nullable=True),
        sa.Column("seen_by_agent", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff_users.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("conversation_id", "external_id", name="uq_entry_external_id"),
    )
    op.create_index(
        op.f("ix_conversation_entries_conversation_id"),
        "conversation_entries",
        ["conversation_id"],
        unique=False,
    )
    op.create_table(
        "verification_codes",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("conversation_id", sa.String(length=64), nullable=False),
        sa.Column("client_id", sa.String(), nullable=False),
        sa.Column("code_hash", sa.String(length=128), nullable=False),
        sa.Column("sent_to", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts_left", sa.Integer(), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["clients.id"],
        ),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_verification_codes_conversation_id"),
        "verification_codes",
        ["conversation_id"],
        unique=False,
    )
    op.add_column(
        "conversations",
        sa.Column("address", sa.String(length=255), nullable=False, server_default=""),
    )
    op.add_column("conversations", sa.Column("held_by", sa.String(), nullable=True))
    op.add_column(
        "conversations", sa.Column("last_message", sa.String(), nullable=False, server_default="")
    )
    op.create_index(op.f("ix_conversations_address"), "conversations", ["address"], unique=False)
    op.create_index(
        "uq_conversations_open_address",
        "conversations",
        ["channel", "address"],
        unique=True,
        postgresql_where=sa.text("status <> 'closed' AND address <> ''"),
    )
    op.create_foreign_key(
        "conversations_held_by_fkey", "conversations", "staff_users", ["held_by"], ["id"]
    )


def downgrade() -> None:
    op.drop_constraint("conversations_held_by_fkey", "conversations", type_="foreignkey")
    op.drop_index("uq_conversations_open_address", table_name="conversations")
    op.drop_index(op.f("ix_conversations_address"), table_name="conversations")
    op.drop_column("conversations", "last_message")
    op.drop_column("conversations", "held_by")
    op.drop_column("conversations", "address")
    op.drop_index(op.f("ix_verification_codes_conversation_id"), table_name="verification_codes")
    op.drop_table("verification_codes")
    op.drop_index(
        op.f("ix_conversation_entries_conversation_id"), table_name="conversation_entries"
    )
    op.drop_table("conversation_entries")
    op.drop_index(op.f("ix_staff_users_provider_id"), table_name="staff_users")
    op.drop_table("staff_users")
