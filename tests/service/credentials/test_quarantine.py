"""Quarantine: listing over HTTP, and retry after the missing key is pinned."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from rich.console import Console
from rich.progress import Progress

from ingest import did_key_from_public_key, sign_eddsa_rdfc_2022
from service.app import create_app
from service.credentials.bulk import retry_quarantine
from service.runtime import Runtime
from service.samples import SampleAchievement, SampleIssuer
from service.serving import BackgroundServer
from tests.service.conftest import ESCO, Tenant

ISSUER_ID = "https://college.example/issuers/1"
METHOD = f"{ISSUER_ID}#key-1"
SQL_BADGE = SampleAchievement(
    slug="sql",
    name="SQL",
    description="SQL queries.",
    aligned_skill_uris=(ESCO + "598de5b0-5b58-4ea7-8058-a4bc4d18c742",),
)


@pytest.fixture(scope="module")
def server(runtime: Runtime) -> Iterator[httpx.Client]:
    app = create_app(runtime.settings, runtime=runtime)
    with BackgroundServer(app) as running, httpx.Client(base_url=running.url, timeout=60) as client:
        yield client


def https_key_credential(key: Ed25519PrivateKey, subject: str) -> dict:
    """Signed with a key published at an HTTPS URL of the issuer (not resolvable offline)."""
    unsigned = SampleIssuer(name="College", domain="college.example").credential(SQL_BADGE, subject)
    unsigned["issuer"] = {"id": ISSUER_ID, "type": ["Profile"], "name": "College"}
    return sign_eddsa_rdfc_2022(
        unsigned, key, verification_method=METHOD, created=datetime.now(UTC).replace(microsecond=0)
    )


def pin_key(folder: Path, key: Ed25519PrivateKey) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    multibase = did_key_from_public_key(key.public_key()).removeprefix("did:key:")
    document = {
        "@context": "https://w3id.org/security/multikey/v1",
        "id": METHOD,
        "type": "Multikey",
        "controller": ISSUER_ID,
        "publicKeyMultibase": multibase,
    }
    (folder / "college-key-1.json").write_text(json.dumps({"url": METHOD, "document": document}))


def quiet_progress() -> Progress:
    return Progress(console=Console(quiet=True))


def test_rejected_document_is_listed_and_retried_once_its_key_is_pinned(
    server: httpx.Client, tenant: Tenant, runtime: Runtime, tmp_path: Path
) -> None:
    key = Ed25519PrivateKey.generate()
    document = https_key_credential(key, "did:example:q")
    rejected = server.post(
        "/v1/credentials",
        params={"candidateId": "q"},
        json=document,
        headers=tenant.headers("ingest"),
    )
    assert rejected.status_code == 422
    quarantine_id = rejected.json()["quarantineId"]

    page = server.get("/v1/quarantine", headers=tenant.headers("ingest")).json()
    assert [item["id"] for item in page["items"]] == [quarantine_id]
    item = page["items"][0]
    assert item["reasonCode"] == "verification-failed"
    # The key's host (a reserved .example name) cannot be fetched: "could not check", which
    # is never enough to verify.
    key_check = next(c for c in item["checks"] if c["check"] == "key")
    assert key_check["outcome"] == "unknown"
    assert "college.example" in key_check["detail"]
    assert item["document"] is None
    one = server.get(f"/v1/quarantine/{quarantine_id}", headers=tenant.headers("ingest")).json()
    assert json.loads(one["document"]) == document

    # Retrying without the key fails again and updates the same row.
    summary = retry_quarantine(
        runtime.settings, tenant=tenant.name, ids=None, progress=quiet_progress(), runtime=runtime
    )
    assert (summary.accepted, summary.rejected) == (0, 1)
    again = server.get(f"/v1/quarantine/{quarantine_id}", headers=tenant.headers("ingest")).json()
    assert again["attempts"] == 2

    # Pin the issuer's key document and retry with a runtime that reads the folder.
    pin_key(tmp_path / "documents", key)
    settings = runtime.settings.replaced(documents_dir=tmp_path / "documents")
    with_keys = Runtime.open(settings, encoder=runtime.encoder, migrate=False)
    try:
        summary = retry_quarantine(
            settings,
            tenant=tenant.name,
            ids=[quarantine_id],
            progress=quiet_progress(),
            runtime=with_keys,
        )
    finally:
        with_keys.engine.dispose()
    assert (summary.accepted, summary.rejected) == (1, 0)
    assert server.get("/v1/quarantine", headers=tenant.headers("ingest")).json()["items"] == []
    profile = server.get("/v1/candidates/q", headers=tenant.headers("recruiter")).json()
    assert [s["skill"]["label"] for s in profile["skills"]] == ["SQL"]
    checks = {c["check"]: c["outcome"] for c in profile["credentials"][0]["checks"]}
    assert checks["key"] == "passed"


def test_quarantine_is_per_tenant_and_role(
    server: httpx.Client, tenant: Tenant, runtime: Runtime
) -> None:
    document = https_key_credential(Ed25519PrivateKey.generate(), "did:example:r")
    quarantine_id = server.post(
        "/v1/credentials",
        params={"candidateId": "r"},
        json=document,
        headers=tenant.headers("ingest"),
    ).json()["quarantineId"]
    other = Tenant(runtime)
    assert server.get("/v1/quarantine", headers=other.headers("ingest")).json()["items"] == []
    assert (
        server.get(f"/v1/quarantine/{quarantine_id}", headers=other.headers("ingest")).status_code
        == 404
    )
    assert server.get("/v1/quarantine", headers=tenant.headers("analyst")).status_code == 403


def test_a_missing_documents_folder_is_a_precise_error(runtime: Runtime, tmp_path: Path) -> None:
    from service.errors import InvalidRequestError
    from service.runtime import build_verifier

    with pytest.raises(InvalidRequestError, match="does not exist"):
        build_verifier(runtime.settings.replaced(documents_dir=tmp_path / "nope"))
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "x.json").write_text('{"not": "pinned"}')
    with pytest.raises(InvalidRequestError, match="pinned documents"):
        build_verifier(runtime.settings.replaced(documents_dir=tmp_path / "bad"))
