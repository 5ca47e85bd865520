"""The practice's phone and email, for what the chat cannot do (a change past the notice).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("practice", sa.Column("phone", sa.String(), nullable=False, server_default=""))
    op.add_column("practice", sa.Column("email", sa.String(), nullable=False, server_default=""))


def downgrade() -> None:
    op.drop_column("practice", "email")
    op.drop_column("practice", "phone")
