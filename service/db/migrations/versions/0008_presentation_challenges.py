"""Challenges issued to wallets for Verifiable Presentations (single use, expiring).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-10 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "presentation_challenges",
        sa.Column("id", Id, nullable=False),
        sa.Column("tenant_id", Id, nullable=False),
        sa.Column("challenge", sa.String(length=100), nullable=False),
        sa.Column("domain", sa.String(length=500), nullable=False),
        sa.Column("candidate_external_id", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_presentation_challenges_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_presentation_challenges")),
        sa.UniqueConstraint("challenge", name=op.f("uq_presentation_challenges_challenge")),
    )
    op.create_index(
        "ix_presentation_challenges_tenant_expiry",
        "presentation_challenges",
        ["tenant_id", "expires_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_presentation_challenges_tenant_expiry", table_name="presentation_challenges")
    op.drop_table("presentation_challenges")
