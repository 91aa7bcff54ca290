"""The text of a job posting left unread (headings, boilerplate), with the reason.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 07:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("job_postings") as batch:
        batch.add_column(
            sa.Column("ignored", sa.JSON(), nullable=False, server_default=sa.text("'[]'"))
        )


def downgrade() -> None:
    with op.batch_alter_table("job_postings") as batch:
        batch.drop_column("ignored")
