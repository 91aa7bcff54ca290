"""Audit log of searches, matches, exports and erasures; tombstones of erased candidates.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 18:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
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
        "candidate_erasures",
        sa.Column("id", Id, nullable=False),
        sa.Column("tenant_id", Id, nullable=False),
        sa.Column("candidate_id", sa.BigInteger(), nullable=False),
        sa.Column("change_seq", sa.BigInteger(), nullable=False),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=False),
        _tenant_fk("candidate_erasures"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_candidate_erasures")),
    )
    op.create_index(
        "ix_candidate_erasures_tenant_seq",
        "candidate_erasures",
        ["tenant_id", "change_seq"],
        unique=False,
    )
    op.create_table(
        "audit_events",
        sa.Column("id", Id, nullable=False),
        sa.Column("tenant_id", Id, nullable=False),
        sa.Column("key_id", sa.BigInteger(), nullable=True),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("request_id", sa.String(length=200), nullable=True),
        sa.Column("query", sa.JSON(), nullable=False),
        sa.Column("candidate_ids", sa.JSON(), nullable=False),
        _tenant_fk("audit_events"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
    )
    op.create_index("ix_audit_events_tenant_id", "audit_events", ["tenant_id", "id"], unique=False)
    op.create_index(
        "ix_audit_events_tenant_action",
        "audit_events",
        ["tenant_id", "action", "id"],
        unique=False,
    )
    op.create_table(
        "audit_event_candidates",
        sa.Column("event_id", Id, nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=False),
        sa.Column("tenant_id", Id, nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["audit_events.id"],
            name=op.f("fk_audit_event_candidates_event_id_audit_events"),
            ondelete="CASCADE",
        ),
        _tenant_fk("audit_event_candidates"),
        sa.PrimaryKeyConstraint("event_id", "external_id", name=op.f("pk_audit_event_candidates")),
    )
    op.create_index(
        "ix_audit_event_candidates_lookup",
        "audit_event_candidates",
        ["tenant_id", "external_id", "event_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_audit_event_candidates_lookup", table_name="audit_event_candidates")
    op.drop_table("audit_event_candidates")
    op.drop_index("ix_audit_events_tenant_action", table_name="audit_events")
    op.drop_index("ix_audit_events_tenant_id", table_name="audit_events")
    op.drop_table("audit_events")
    op.drop_index("ix_candidate_erasures_tenant_seq", table_name="candidate_erasures")
    op.drop_table("candidate_erasures")
