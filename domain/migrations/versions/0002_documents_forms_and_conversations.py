"""Document requests, generated forms, conversations and token usage.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "conversations",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("client_id", sa.String(), nullable=True),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("handoff_reason", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["clients.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_conversations_client_id"), "conversations", ["client_id"], unique=False
    )
    op.create_index(op.f("ix_conversations_status"), "conversations", ["status"], unique=False)
    op.create_table(
        "turn_usage",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.String(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("model", sa.String(), nullable=False),
        sa.Column("prompt_tokens", sa.Integer(), nullable=False),
        sa.Column("completion_tokens", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_turn_usage_conversation_id"), "turn_usage", ["conversation_id"], unique=False
    )
    op.create_table(
        "document_requests",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("booking_id", sa.String(), nullable=False),
        sa.Column("client_id", sa.String(), nullable=False),
        sa.Column("kind_id", sa.String(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["booking_id"],
            ["bookings.id"],
        ),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["clients.id"],
        ),
        sa.ForeignKeyConstraint(
            ["kind_id"],
            ["document_kinds.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("booking_id", "kind_id", name="uq_document_request"),
    )
    op.create_index(
        op.f("ix_document_requests_booking_id"), "document_requests", ["booking_id"], unique=False
    )
    op.create_index(
        op.f("ix_document_requests_client_id"), "document_requests", ["client_id"], unique=False
    )
    op.create_table(
        "generated_forms",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("booking_id", sa.String(), nullable=False),
        sa.Column("template_id", sa.String(), nullable=False),
        sa.Column("filename", sa.String(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["booking_id"],
            ["bookings.id"],
        ),
        sa.ForeignKeyConstraint(
            ["template_id"],
            ["document_templates.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("booking_id", "template_id", name="uq_generated_form"),
    )
    op.create_index(
        op.f("ix_generated_forms_booking_id"), "generated_forms", ["booking_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_generated_forms_booking_id"), table_name="generated_forms")
    op.drop_table("generated_forms")
    op.drop_index(op.f("ix_document_requests_client_id"), table_name="document_requests")
    op.drop_index(op.f("ix_document_requests_booking_id"), table_name="document_requests")
    op.drop_table("document_requests")
    op.drop_index(op.f("ix_turn_usage_conversation_id"), table_name="turn_usage")
    op.drop_table("turn_usage")
    op.drop_index(op.f("ix_conversations_status"), table_name="conversations")
    op.drop_index(op.f("ix_conversations_client_id"), table_name="conversations")
    op.drop_table("conversations")
