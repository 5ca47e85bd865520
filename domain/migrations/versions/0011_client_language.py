"""The client's language: on the client and the conversation, the practice's languages, and
translations of the catalog's public texts.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TRANSLATED = ("categories", "document_kinds", "services", "providers", "knowledge_entries")


def upgrade() -> None:
    # Empty on existing rows: the language is found again from the client's next message.
    op.add_column("clients", sa.Column("language", sa.String(length=8), nullable=True))
    op.add_column("conversations", sa.Column("language", sa.String(length=8), nullable=True))
    op.add_column(
        "practice",
        sa.Column("languages", sa.JSON(), nullable=False, server_default=sa.text("'[\"en\"]'")),
    )
    for table in TRANSLATED:
        op.add_column(
            table,
            sa.Column("translations", sa.JSON(), nullable=False, server_default=sa.text("'{}'")),
        )


def downgrade() -> None:
    for table in TRANSLATED:
        op.drop_column(table, "translations")
    op.drop_column("practice", "languages")
    op.drop_column("conversations", "language")
    op.drop_column("clients", "language")
