"""Declared skills: every alignment a credential makes, kept whatever its framework.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 12:22:46.251530
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "declared_skills",
        sa.Column("id", Id, nullable=False),
        sa.Column("tenant_id", Id, nullable=False),
        sa.Column("candidate_id", Id, nullable=False),
        sa.Column("credential_id", Id, nullable=False),
        sa.Column("achievement_id", sa.String(length=500), nullable=False),
        sa.Column("framework", sa.String(length=200), nullable=False),
        sa.Column("target_url", sa.String(length=500), nullable=False),
        sa.Column("target_code", sa.String(length=200), nullable=False),
        sa.Column("target_name", sa.String(length=500), nullable=False),
        sa.Column("skill_id", Id, nullable=True),
        sa.ForeignKeyConstraint(
            ["candidate_id"],
            ["candidates.id"],
            name=op.f("fk_declared_skills_candidate_id_candidates"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["credential_id"],
            ["credentials.id"],
            name=op.f("fk_declared_skills_credential_id_credentials"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["skill_id"],
            ["skills.id"],
            name=op.f("fk_declared_skills_skill_id_skills"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_declared_skills_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_declared_skills")),
    )
    op.create_index(
        op.f("ix_declared_skills_candidate_id"), "declared_skills", ["candidate_id"], unique=False
    )
    op.create_index(
        op.f("ix_declared_skills_credential_id"), "declared_skills", ["credential_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_declared_skills_credential_id"), table_name="declared_skills")
    op.drop_index(op.f("ix_declared_skills_candidate_id"), table_name="declared_skills")
    op.drop_table("declared_skills")
