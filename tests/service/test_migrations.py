"""Migrations build exactly the schema the models describe, and step down and up again."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

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
