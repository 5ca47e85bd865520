"""The practice's phone region: the country national phone numbers are read in.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Left empty on an existing row: the country of the practice's time zone stands in for it.
    op.add_column("practice", sa.Column("region", sa.String(length=2), nullable=True))


def downgrade() -> None:
    op.drop_column("practice", "region")
