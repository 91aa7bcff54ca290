"""The occupation a job posting's title names, and how close the two titles are.

Postings stored before have both NULL; the server's background worker reads their titles
(``service.gap.postings.read_missing_titles``), as that takes the model.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 14:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("job_postings") as batch:
        batch.add_column(sa.Column("title_occupation_id", Id, nullable=True))
        batch.add_column(sa.Column("title_similarity", sa.Float(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_job_postings_title_occupation_id_occupations"),
            "occupations",
            ["title_occupation_id"],
            ["id"],
            ondelete="SET NULL",
        )
    op.create_index(
        op.f("ix_job_postings_title_occupation_id"),
        "job_postings",
        ["title_occupation_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_job_postings_title_occupation_id"), table_name="job_postings")
    with op.batch_alter_table("job_postings") as batch:
        batch.drop_constraint(
            op.f("fk_job_postings_title_occupation_id_occupations"), type_="foreignkey"
        )
        batch.drop_column("title_similarity")
        batch.drop_column("title_occupation_id")
