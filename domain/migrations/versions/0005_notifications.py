"""Notification deliveries, client preferences, SMS opt-outs, webhook receipts, link codes.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-21
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _utc(name: str, *, nullable: bool = False) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.add_column("outbox", sa.Column("dedupe_key", sa.String(length=255), nullable=True))
    op.create_unique_constraint("outbox_dedupe_key_key", "outbox", ["dedupe_key"])
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("outbox_id", sa.Integer(), nullable=False),
        sa.Column("event", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("client_id", sa.String(), nullable=True),
        sa.Column("booking_id", sa.String(), nullable=True),
        sa.Column("to_address", sa.String(length=255), nullable=False),
        sa.Column("subject", sa.String(), nullable=False),
        sa.Column("body", sa.String(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _utc("next_attempt_at"),
        _utc("claimed_until", nullable=True),
        sa.Column("provider_message_id", sa.String(length=128), nullable=True),
        sa.Column("error", sa.String(), nullable=False),
        _utc("created_at"),
        _utc("updated_at"),
        sa.ForeignKeyConstraint(["booking_id"], ["bookings.id"]),
        sa.ForeignKeyConstraint(["client_id"], ["clients.id"]),
        sa.ForeignKeyConstraint(["outbox_id"], ["outbox.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("outbox_id", "channel", name="uq_notification_outbox_channel"),
    )
    for column in (
        "booking_id",
        "client_id",
        "next_attempt_at",
        "outbox_id",
        "provider_message_id",
        "status",
    ):
        op.create_index(op.f(f"ix_notifications_{column}"), "notifications", [column])
    op.create_table(
        "notification_preferences",
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("event", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        _utc("updated_at"),
        sa.ForeignKeyConstraint(["client_id"], ["clients.id"]),
        sa.PrimaryKeyConstraint("client_id", "event", "channel"),
    )
    op.create_table(
        "sms_opt_outs",
        sa.Column("phone", sa.String(length=32), nullable=False),
        _utc("opted_out_at"),
        sa.PrimaryKeyConstraint("phone"),
    )
    op.create_table(
        "inbound_receipts",
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("external_id", sa.String(length=128), nullable=False),
        _utc("received_at"),
        sa.PrimaryKeyConstraint("channel", "external_id"),
    )
    op.create_table(
        "channel_link_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("client_id", sa.String(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        _utc("created_at"),
        _utc("expires_at"),
        _utc("used_at", nullable=True),
        sa.ForeignKeyConstraint(["client_id"], ["clients.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code_hash", name="uq_channel_link_code"),
    )
    op.create_index(op.f("ix_channel_link_codes_client_id"), "channel_link_codes", ["client_id"])


def downgrade() -> None:
    op.drop_table("channel_link_codes")
    op.drop_table("inbound_receipts")
    op.drop_table("sms_opt_outs")
    op.drop_table("notification_preferences")
    op.drop_table("notifications")
    op.drop_constraint("outbox_dedupe_key_key", "outbox", type_="unique")
    op.drop_column("outbox", "dedupe_key")
