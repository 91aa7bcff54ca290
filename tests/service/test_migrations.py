"""Migrations build exactly the schema the models describe, and step down and up again."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Column, Connection, MetaData, Table, insert, inspect, text
from sqlalchemy.sql import sqltypes

from service.db.engine import alembic_config, build_engine, upgrade_database
from service.db.models import Base
from tests.conftest import throwaway_postgres_schema


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL to an empty database of its own (PostgreSQL: a schema dropped afterwards)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrations.sqlite3'}"
        return
    with throwaway_postgres_schema("credmatch_migrations") as url:
        yield url


def _differences(url: str) -> list[object]:
    engine = build_engine(url)
    try:
        with engine.connect() as connection:
            found = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    finally:
        engine.dispose()
    # SQLite does not report the name of a constraint declared inline on a column
    # (credentials.bundle_id, added by ALTER TABLE ADD COLUMN): the same foreign key is
    # seen as removed-and-added under another name. Anything else is a real difference.
    if url.startswith("sqlite"):
        removed = {
            (d[1].parent.name, tuple(c.name for c in d[1].columns))
            for d in found
            if isinstance(d, tuple) and d[0] == "remove_fk"
        }
        found = [
            d
            for d in found
            if not (
                isinstance(d, tuple)
                and d[0] in {"remove_fk", "add_fk"}
                and (d[1].parent.name, tuple(c.name for c in d[1].columns)) in removed
            )
        ]
    return found


def test_head_matches_the_models_and_survives_down_and_up(empty_database: str) -> None:
    engine = build_engine(empty_database)
    try:
        upgrade_database(engine)
        assert _differences(empty_database) == []

        command.downgrade(alembic_config(engine), "base")
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}

        upgrade_database(engine)
        indexes = {i["name"] for i in inspect(engine).get_indexes("credentials")}
    finally:
        engine.dispose()
    assert _differences(empty_database) == []
    assert {"uq_credentials_tenant_document", "ix_credentials_bundle_id"} <= indexes


def _filler(column: Column[Any]) -> object:
    """A value of the column's type, for a NOT NULL column the test does not care about."""
    kind = column.type
    if isinstance(kind, sqltypes.Boolean):
        return False
    if isinstance(kind, sqltypes.Integer | sqltypes.Float | sqltypes.Numeric):
        return 0
    if isinstance(kind, sqltypes.DateTime):
        return datetime.now(UTC)
    if isinstance(kind, sqltypes.JSON):
        return {}
    if isinstance(kind, sqltypes.LargeBinary):
        return b""
    return "x"


def _insert(connection: Connection, table_name: str, **values: object) -> int:
    """Insert one row into a table as the database has it now (reflected, not the models)."""
    table = Table(table_name, MetaData(), autoload_with=connection)
    row = dict(values)
    for column in table.columns:
        if column.name in row or column.primary_key or column.nullable:
            continue
        if column.server_default is None:
            row[column.name] = _filler(column)
    key = connection.execute(insert(table).values(row)).inserted_primary_key
    return int(key[0])


def test_upgrading_keeps_the_rows_of_tables_a_migration_rebuilds(empty_database: str) -> None:
    # SQLite alters a table by copying it: with foreign keys enforced, dropping the old copy
    # would cascade to the rows that reference it (posting_skills, via job_postings).
    engine = build_engine(empty_database)
    try:
        upgrade_database(engine, "0009")
        with engine.begin() as connection:
            tenant = _insert(connection, "tenants", name="t")
            taxonomy = _insert(connection, "taxonomies", framework="esco", version="1")
            skill = _insert(
                connection, "skills", taxonomy_id=taxonomy, uri="u", preferred_label="SQL"
            )
            posting = _insert(
                connection, "job_postings", tenant_id=tenant, taxonomy_id=taxonomy, external_id="p"
            )
            _insert(
                connection,
                "posting_skills",
                tenant_id=tenant,
                posting_id=posting,
                skill_id=skill,
                strength="must",
                confidence=0.9,
            )
        upgrade_database(engine)
        with engine.connect() as connection:
            kept = connection.execute(text("SELECT posting_id, skill_id FROM posting_skills"))
            assert [tuple(row) for row in kept] == [(posting, skill)]
            assert connection.execute(text("SELECT count(*) FROM job_postings")).scalar() == 1
            if connection.dialect.name == "sqlite":  # enforced again after the migration
                assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
    finally:
        engine.dispose()
