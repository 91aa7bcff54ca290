"""Issuer trust policies per tenant; credentials nested in a CLR bundle point at it.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 12:04:37.629827
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "issuer_trust_policies",
        sa.Column("tenant_id", Id, nullable=False),
        sa.Column("policy", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_issuer_trust_policies_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", name=op.f("pk_issuer_trust_policies")),
    )
    # SQLite cannot add a constraint to a table without rebuilding it, but it can add a
    # nullable column with its REFERENCES clause: no rebuild, indexes left as they are.
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "ALTER TABLE credentials ADD COLUMN bundle_id INTEGER "
            "CONSTRAINT fk_credentials_bundle_id_credentials "
            "REFERENCES credentials (id) ON DELETE CASCADE"
        )
    else:
        op.add_column(
            "credentials",
            sa.Column(
                "bundle_id",
                Id,
                sa.ForeignKey(
                    "credentials.id",
                    name=op.f("fk_credentials_bundle_id_credentials"),
                    ondelete="CASCADE",
                ),
                nullable=True,
            ),
        )
    op.create_index(op.f("ix_credentials_bundle_id"), "credentials", ["bundle_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_credentials_bundle_id"), table_name="credentials")
    if op.get_bind().dialect.name == "sqlite":
        with op.batch_alter_table("credentials") as batch_op:  # rebuild: drops the FK too
            batch_op.drop_column("bundle_id")
    else:
        op.drop_column("credentials", "bundle_id")  # its foreign key goes with it
    op.drop_table("issuer_trust_policies")
