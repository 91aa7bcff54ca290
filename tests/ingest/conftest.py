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


_SCHEMA = "https://schema.org/"
_CITIZENSHIP = "https://w3id.org/citizenship#"
_DATETIME = "http://www.w3.org/2001/XMLSchema#dateTime"

# Written for these tests: the terms of the citizenship context that the W3C ``employ``
# vector uses, mapped to the IRIs its published canonical N-Quads show. credmatch does not
# bundle this context (an unknown context is never fetched); reproducing the published
# canonical form byte for byte with it is what the vector tests check.
CITIZENSHIP_TERMS = {
    "@context": {
        "@protected": True,
        "EmploymentAuthorizationDocumentCredential": (
            _CITIZENSHIP + "EmploymentAuthorizationDocumentCredential"
        ),
        "EmployablePerson": _CITIZENSHIP + "EmployablePerson",
        "EmploymentAuthorizationDocument": _CITIZENSHIP + "EmploymentAuthorizationDocument",
        "Person": _SCHEMA + "Person",
        "image": {"@id": _SCHEMA + "image", "@type": "@id"},
        "givenName": _SCHEMA + "givenName",
        "additionalName": _SCHEMA + "additionalName",
        "familyName": _SCHEMA + "familyName",
        "gender": _SCHEMA + "gender",
        "identifier": _SCHEMA + "identifier",
        "birthDate": {"@id": _SCHEMA + "birthDate", "@type": _DATETIME},
        "residentSince": {"@id": _CITIZENSHIP + "residentSince", "@type": _DATETIME},
        "birthCountry": _CITIZENSHIP + "birthCountry",
        "employmentAuthorizationDocument": {
            "@id": _CITIZENSHIP + "employmentAuthorizationDocument"
        },
        "lprCategory": _CITIZENSHIP + "lprCategory",
        "lprNumber": _CITIZENSHIP + "lprNumber",
    }
}


@pytest.fixture(scope="session")
def citizenship_contexts() -> ContextLoader:
    """Bundled contexts plus the citizenship terms the W3C ``employ`` vector needs."""
    return ContextLoader(extra={CITIZENSHIP_V4RC1: CITIZENSHIP_TERMS})


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
