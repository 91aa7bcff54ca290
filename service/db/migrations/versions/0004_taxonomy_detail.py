"""Taxonomy detail: skill codes and categories, importance, skill relations, collections.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 12:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_SKILL_COLUMNS = (
    ("code", sa.String(length=100)),
    ("category", sa.String(length=200)),
    ("subcategory", sa.String(length=200)),
    ("source_url", sa.String(length=500)),
    ("tags", sa.Text()),
)


def upgrade() -> None:
    op.create_table(
        "skill_relations",
        sa.Column("id", Id, nullable=False),
        sa.Column("taxonomy_id", Id, nullable=False),
        sa.Column("source_uri", sa.String(length=300), nullable=False),
        sa.Column("target_uri", sa.String(length=300), nullable=False),
        sa.Column("relation", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["taxonomy_id"],
            ["taxonomies.id"],
            name=op.f("fk_skill_relations_taxonomy_id_taxonomies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_skill_relations")),
    )
    for column in ("source_uri", "target_uri", "taxonomy_id"):
        op.create_index(op.f(f"ix_skill_relations_{column}"), "skill_relations", [column])
    op.create_table(
        "skill_collection_members",
        sa.Column("id", Id, nullable=False),
        sa.Column("taxonomy_id", Id, nullable=False),
        sa.Column("collection", sa.String(length=100), nullable=False),
        sa.Column("skill_id", Id, nullable=False),
        sa.ForeignKeyConstraint(
            ["skill_id"],
            ["skills.id"],
            name=op.f("fk_skill_collection_members_skill_id_skills"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["taxonomy_id"],
            ["taxonomies.id"],
            name=op.f("fk_skill_collection_members_taxonomy_id_taxonomies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_skill_collection_members")),
        sa.UniqueConstraint(
            "taxonomy_id",
            "collection",
            "skill_id",
            name=op.f("uq_skill_collection_members_taxonomy_id"),
        ),
    )
    op.create_index(
        op.f("ix_skill_collection_members_skill_id"), "skill_collection_members", ["skill_id"]
    )
    # Plain ADD COLUMN everywhere (no SQLite table rebuild); existing rows get "" / NULL.
    op.add_column("occupation_skills", sa.Column("importance", sa.Float(), nullable=True))
    for name, kind in _SKILL_COLUMNS:
        op.add_column("skills", sa.Column(name, kind, nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("skills") as batch_op:
        for name, _ in reversed(_SKILL_COLUMNS):
            batch_op.drop_column(name)
    with op.batch_alter_table("occupation_skills") as batch_op:
        batch_op.drop_column("importance")
    op.drop_index(
        op.f("ix_skill_collection_members_skill_id"), table_name="skill_collection_members"
    )
    op.drop_table("skill_collection_members")
    for column in ("taxonomy_id", "target_uri", "source_uri"):
        op.drop_index(op.f(f"ix_skill_relations_{column}"), table_name="skill_relations")
    op.drop_table("skill_relations")
