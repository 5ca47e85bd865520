"""Versions for optimistic concurrency, notification templates, uploaded documents.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Existing rows start at version 1 and not archived; the defaults go once the columns are filled.
VERSIONED = ("categories", "clients", "document_kinds", "document_templates", "knowledge_entries")
ARCHIVABLE = ("categories", "document_kinds", "document_templates")


def upgrade() -> None:
    op.create_table(
        "notification_templates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("subject", sa.String(), nullable=False),
        sa.Column("body", sa.String(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("event", "channel", name="uq_notification_template"),
    )
    op.create_table(
        "uploaded_documents",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("client_id", sa.String(), nullable=False),
        sa.Column("booking_id", sa.String(), nullable=True),
        sa.Column("request_id", sa.String(), nullable=True),
        sa.Column("kind_id", sa.String(), nullable=True),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("ciphertext", sa.LargeBinary(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["booking_id"], ["bookings.id"]),
        sa.ForeignKeyConstraint(["client_id"], ["clients.id"]),
        sa.ForeignKeyConstraint(["kind_id"], ["document_kinds.id"]),
        sa.ForeignKeyConstraint(["request_id"], ["document_requests.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    for column in ("booking_id", "client_id", "request_id"):
        op.create_index(
            op.f(f"ix_uploaded_documents_{column}"), "uploaded_documents", [column], unique=False
        )
    for table in VERSIONED:
        op.add_column(table, sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
        op.alter_column(table, "version", server_default=None)
    for table in ARCHIVABLE:
        op.add_column(
            table, sa.Column("archived", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        op.alter_column(table, "archived", server_default=None)


def downgrade() -> None:
    for table in ARCHIVABLE:
        op.drop_column(table, "archived")
    for table in VERSIONED:
        op.drop_column(table, "version")
    op.drop_table("uploaded_documents")
    op.drop_table("notification_templates")
