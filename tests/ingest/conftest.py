"""Shared fixtures for the ingest tests (helpers live in ingest_testkit.py)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ingest import ContextLoader
from tests.ingest.ingest_testkit import (
    CITIZENSHIP_V4RC1,
    FIXTURES,
    SHARED_DATA,
    Json,
    did_key_method,
    make_badge,
    sign,
)


@pytest.fixture(scope="session")
def credentials_data() -> Path:
    """``shared/data/credentials`` beside the repository (skips when it is not there)."""
    folder = SHARED_DATA / "credentials"
    if not folder.is_dir():
        pytest.skip(f"test data not found at {folder} (shared/data beside the repository root)")
    return folder


@pytest.fixture(scope="session")
def load_json(credentials_data: Path) -> Callable[[str], Json]:
    """Read a JSON file under ``shared/data/credentials`` (a fresh copy each call)."""

    def load(relative: str) -> Json:
        document: Json = json.loads((credentials_data / relative).read_text(encoding="utf-8"))
        return document

    return load


@pytest.fixture(scope="session")
def read_text(credentials_data: Path) -> Callable[[str], str]:
    def read(relative: str) -> str:
        return (credentials_data / relative).read_text(encoding="utf-8")

    return read


@pytest.fixture(scope="session")
def citizenship_contexts() -> ContextLoader:
    """Bundled contexts plus the citizenship context the W3C ``employ`` vector needs."""
    document = json.loads((FIXTURES / "citizenship-v4rc1.jsonld").read_text(encoding="utf-8"))
    return ContextLoader(extra={CITIZENSHIP_V4RC1: document})


@pytest.fixture
def issuer_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


@pytest.fixture
def signed_badge(issuer_key: Ed25519PrivateKey) -> Json:
    """An OB 3.0 badge issued and signed by a did:key issuer."""
    did, method = did_key_method(issuer_key)
    return sign(
        make_badge({"id": did, "type": ["Profile"], "name": "Example Training"}), issuer_key, method
    )
