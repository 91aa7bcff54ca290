"""Job postings with their extracted skills, posting uploads and gap reports.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 16:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _tenant_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["tenant_id"],
        ["tenants.id"],
        name=op.f(f"fk_{table}_tenant_id_tenants"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "job_postings",
        sa.Column("id", Id, nullable=False),
        sa.Column("tenant_id", Id, nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("posted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("location", sa.String(length=200), nullable=False),
        sa.Column("occupation_code", sa.String(length=300), nullable=False),
        sa.Column("occupation_id", Id, nullable=True),
        sa.Column("taxonomy_id", Id, nullable=False),
        sa.Column("model", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["occupation_id"],
            ["occupations.id"],
            name=op.f("fk_job_postings_occupation_id_occupations"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["taxonomy_id"],
            ["taxonomies.id"],
            name=op.f("fk_job_postings_taxonomy_id_taxonomies"),
            ondelete="CASCADE",
        ),
        _tenant_fk("job_postings"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_postings")),
        sa.UniqueConstraint("tenant_id", "external_id", name=op.f("uq_job_postings_tenant_id")),
    )
    op.create_index(
        "ix_job_postings_tenant_posted", "job_postings", ["tenant_id", "posted_at"], unique=False
    )
    op.create_index(
        op.f("ix_job_postings_occupation_id"), "job_postings", ["occupation_id"], unique=False
    )
    op.create_table(
        "posting_skills",
        sa.Column("id", Id, nullable=False),
        sa.Column("tenant_id", Id, nullable=False),
        sa.Column("posting_id", Id, nullable=False),
        sa.Column("skill_id", Id, nullable=False),
        sa.Column("strength", sa.String(length=4), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("phrase", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["posting_id"],
            ["job_postings.id"],
            name=op.f("fk_posting_skills_posting_id_job_postings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["skill_id"],
            ["skills.id"],
            name=op.f("fk_posting_skills_skill_id_skills"),
            ondelete="CASCADE",
        ),
        _tenant_fk("posting_skills"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_posting_skills")),
        sa.UniqueConstraint("posting_id", "skill_id", name=op.f("uq_posting_skills_posting_id")),
    )
    op.create_index(
        "ix_posting_skills_tenant_skill", "posting_skills", ["tenant_id", "skill_id"], unique=False
    )
    op.create_table(
        "posting_uploads",
        sa.Column("id", Id, nullable=False),
        sa.Column("tenant_id", Id, nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("media_type", sa.String(length=40), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("processed", sa.Integer(), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        _tenant_fk("posting_uploads"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_posting_uploads")),
    )
    op.create_index("ix_posting_uploads_status", "posting_uploads", ["status"], unique=False)
    op.create_table(
        "gap_reports",
        sa.Column("id", Id, nullable=False),
        sa.Column("tenant_id", Id, nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("progress", sa.Float(), nullable=False),
        sa.Column("stage", sa.String(length=40), nullable=False),
        sa.Column("request", sa.JSON(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        _tenant_fk("gap_reports"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gap_reports")),
    )
    op.create_index("ix_gap_reports_status", "gap_reports", ["status"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_gap_reports_status", table_name="gap_reports")
    op.drop_table("gap_reports")
    op.drop_index("ix_posting_uploads_status", table_name="posting_uploads")
    op.drop_table("posting_uploads")
    op.drop_index("ix_posting_skills_tenant_skill", table_name="posting_skills")
    op.drop_table("posting_skills")
    op.drop_index(op.f("ix_job_postings_occupation_id"), table_name="job_postings")
    op.drop_index("ix_job_postings_tenant_posted", table_name="job_postings")
    op.drop_table("job_postings")
