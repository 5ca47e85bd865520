"""Providers' own calendars: connections (CalDAV, ICS feed) with a sealed URL and password, and the
busy intervals read from them.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "calendar_connections",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("provider_id", sa.String(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("username", sa.String(length=255), nullable=False),
        sa.Column("password", sa.Text(), nullable=True),
        sa.Column("calendar_name", sa.String(length=255), nullable=False),
        sa.Column("count_tentative", sa.Boolean(), nullable=False),
        sa.Column("change_token", sa.String(length=512), nullable=True),
        sa.Column("last_synced_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=1000), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["provider_id"], ["providers.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_calendar_connections_provider_id"), "calendar_connections", ["provider_id"]
    )
    op.create_table(
        "external_busy",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("connection_id", sa.String(length=64), nullable=False),
        sa.Column("provider_id", sa.String(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["connection_id"], ["calendar_connections.id"]),
        sa.ForeignKeyConstraint(["provider_id"], ["providers.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_external_busy_connection_id"), "external_busy", ["connection_id"])
    op.create_index(
        "ix_external_busy_provider_start", "external_busy", ["provider_id", "starts_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_external_busy_provider_start", table_name="external_busy")
    op.drop_index(op.f("ix_external_busy_connection_id"), table_name="external_busy")
    op.drop_table("external_busy")
    op.drop_index(op.f("ix_calendar_connections_provider_id"), table_name="calendar_connections")
    op.drop_table("calendar_connections")
