"""Tags: the issuer's achievement tags on credentials, the tenant's tags on candidates.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 15:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.add_column("credentials", sa.Column("tags", sa.Text(), nullable=False, server_default=""))
    op.create_table(
        "candidate_tags",
        sa.Column("candidate_id", Id, nullable=False),
        sa.Column("tag", sa.String(length=100), nullable=False),
        sa.Column("tenant_id", Id, nullable=False),
        sa.ForeignKeyConstraint(
            ["candidate_id"],
            ["candidates.id"],
            name=op.f("fk_candidate_tags_candidate_id_candidates"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_candidate_tags_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("candidate_id", "tag", name=op.f("pk_candidate_tags")),
    )
    op.create_index(
        "ix_candidate_tags_tenant_tag", "candidate_tags", ["tenant_id", "tag"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_candidate_tags_tenant_tag", table_name="candidate_tags")
    op.drop_table("candidate_tags")
    op.drop_column("credentials", "tags")
