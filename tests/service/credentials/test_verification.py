"""Verification without storing: ``POST /v1/verify`` and ``credmatch verify``, on both databases."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from sqlalchemy import func, select

from ingest import bake_png, sign_ob2_assertion
from service.app import create_app
from service.cli import main
from service.db import registry
from service.db.engine import unit_of_work
from service.db.models import Credential, QuarantinedDocument
from service.runtime import Runtime
from service.serving import BackgroundServer
from service.settings import Settings
from tests.service.conftest import Tenant
from tests.service.credentials.test_open_badges_2 import BADGE_ID, ISSUER_ID, KEY_ID, ORG, pin, png
from tests.service.credentials.test_unknown_status import (
    ISSUER,
    SQL_BADGE,
    STATUS_LIST_URL,
    status_list,
    with_status,
)

PROBLEM = "application/problem+json"
JSON = {"Content-Type": "application/json"}


@pytest.fixture(scope="module")
def server(runtime: Runtime) -> Iterator[httpx.Client]:
    app = create_app(runtime.settings, runtime=runtime)
    with BackgroundServer(app) as running, httpx.Client(base_url=running.url, timeout=60) as client:
        yield client


def signed(subject: str) -> dict[str, Any]:
    return ISSUER.issue(SQL_BADGE, subject)


def tampered(subject: str) -> dict[str, Any]:
    document = signed(subject)
    document["name"] = "Something else"
    return document


def stored_rows(runtime: Runtime, tenant: Tenant) -> tuple[int, int]:
    """(credentials, quarantined documents) of the tenant (created when missing)."""
    with unit_of_work(runtime.sessions) as session:
        tenant_id = registry.get_or_create_tenant(session, tenant.name).id
        credentials = session.scalar(
            select(func.count()).select_from(Credential).where(Credential.tenant_id == tenant_id)
        )
        quarantined = session.scalar(
            select(func.count())
            .select_from(QuarantinedDocument)
            .where(QuarantinedDocument.tenant_id == tenant_id)
        )
    return int(credentials or 0), int(quarantined or 0)


def verify(server: httpx.Client, tenant: Tenant, body: bytes, role: str = "ingest") -> Any:
    return server.post("/v1/verify", content=body, headers={**tenant.headers(role), **JSON})


def test_verify_reports_every_check_and_stores_nothing(
    server: httpx.Client, runtime: Runtime, tenant: Tenant
) -> None:
    before = stored_rows(runtime, tenant)

    good = verify(server, tenant, json.dumps(signed("did:example:v1")).encode())
    bad = verify(server, tenant, json.dumps(tampered("did:example:v2")).encode(), "recruiter")
    unreadable = verify(server, tenant, b"{not json", "matcher")

    assert stored_rows(runtime, tenant) == before
    assert good.status_code == 200, good.text
    report = good.json()
    assert report["verified"] is True
    assert report["issuer"]["id"] == ISSUER.did
    assert report["format"]
    assert report["proofTypes"]
    assert report["checks"]
    assert all(c["outcome"] in {"passed", "unknown"} for c in report["checks"])
    assert report["trust"]["accepted"] is True
    assert report["trust"]["unknownStatus"] == "accept"
    assert bad.status_code == 200, bad.text
    assert bad.json()["verified"] is False
    assert any(c["outcome"] == "failed" for c in bad.json()["checks"])
    assert bad.json()["trust"] is None  # an unverified issuer is not judged
    assert unreadable.status_code == 422
    assert unreadable.headers["content-type"].startswith(PROBLEM)
    problem = unreadable.json()
    assert problem["type"] == "https://credmatch.dev/problems/credential-rejected"
    assert problem["code"] == "malformed-json"
    assert "quarantineId" not in problem


def test_openapi_documents_the_report_and_the_unreadable_problem(tmp_path: Path) -> None:
    document = create_app(Settings(data_dir=tmp_path)).openapi_schema.to_schema()

    responses = document["paths"]["/v1/verify"]["post"]["responses"]

    report = responses["200"]["content"]["application/json"]["schema"]
    assert report["$ref"].endswith("/VerificationOut")
    schema = document["components"]["schemas"]["VerificationOut"]
    assert {"verified", "format", "proofTypes", "issuer", "checks", "trust"} <= set(
        schema["properties"]
    )
    assert PROBLEM in responses["422"]["content"]


def test_verify_applies_the_tenants_status_policy(server: httpx.Client, tenant: Tenant) -> None:
    document = with_status("did:example:v4")
    accepted = verify(server, tenant, document).json()
    policy = {"unknownStatus": "reject"}
    assert server.put("/v1/trust-policy", json=policy, headers=tenant.headers("admin")).is_success
    shown = server.get("/v1/trust-policy", headers=tenant.headers("matcher")).json()
    refused = verify(server, tenant, document).json()
    invalid = server.put(
        "/v1/trust-policy", json={"unknownStatus": "maybe"}, headers=tenant.headers("admin")
    )

    assert accepted["verified"] is True
    assert {c["check"]: c["outcome"] for c in accepted["checks"]}["status"] == "unknown"
    assert (accepted["trust"]["unknownStatus"], accepted["trust"]["accepted"]) == ("accept", True)
    assert shown["unknownStatus"] == "reject"
    assert refused["verified"] is False
    assert refused["trust"]["accepted"] is False
    assert refused["trust"]["unknownStatus"] == "reject"
    assert refused["trust"]["code"] == "status-unknown"
    assert STATUS_LIST_URL in refused["trust"]["reason"]
    assert invalid.status_code == 400
    assert invalid.headers["content-type"].startswith(PROBLEM)


def test_a_tenants_status_policy_rejects_at_ingest_with_the_same_code(
    server: httpx.Client, tenant: Tenant
) -> None:
    policy = {"unknownStatus": "reject"}
    assert server.put("/v1/trust-policy", json=policy, headers=tenant.headers("admin")).is_success

    response = server.post(
        "/v1/credentials",
        params={"candidateId": "v5"},
        content=with_status("did:example:v5"),
        headers={**tenant.headers("ingest"), **JSON},
    )

    assert response.status_code == 422
    assert response.json()["code"] == "status-unknown"
    assert response.json()["quarantineId"]


# -- credmatch verify ------------------------------------------------------------------------


def run_verify(
    capsys: pytest.CaptureFixture[str], *args: str, settings_args: tuple[str, ...] = ()
) -> tuple[int, str, str]:
    code = main([*settings_args, "verify", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_cli_verify_json_lists_one_report_per_file_and_exits_1_on_a_failure(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good, bad, broken = tmp_path / "good.json", tmp_path / "bad.json", tmp_path / "broken.json"
    good.write_text(json.dumps(signed("did:example:c1")))
    bad.write_text(json.dumps(tampered("did:example:c2")))
    broken.write_text("{not json")

    all_good = run_verify(capsys, "--json", str(good))
    mixed = run_verify(capsys, "--json", str(good), str(bad), str(broken))

    assert all_good[0] == 0
    assert mixed[0] == 1
    reports = json.loads(mixed[1])
    assert [r["file"] for r in reports] == [str(good), str(bad), str(broken)]
    for report in reports:
        assert set(report) >= {"file", "verified", "format", "proofTypes", "issuer", "checks"}
    first, second, third = reports
    assert first["verified"] is True
    assert first["issuer"]["id"] == ISSUER.did
    assert first["checks"]
    assert all(set(c) == {"check", "outcome", "detail"} for c in first["checks"])
    assert first["trust"] is None  # no --tenant: no policy
    assert second["verified"] is False
    assert any(c["outcome"] == "failed" for c in second["checks"])
    assert third["verified"] is False
    assert third["error"]["code"] == "malformed-json"


def test_cli_verify_prints_a_table_of_checks(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = tmp_path / "good.json"
    good.write_text(json.dumps(signed("did:example:c3")))
    as_json = json.loads(run_verify(capsys, "--json", str(good))[1])

    code, out, _ = run_verify(capsys, str(good))

    assert code == 0
    assert "verified" in out
    for check in as_json[0]["checks"]:
        assert check["check"] in out


def test_cli_verify_uses_pinned_documents(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    credential = tmp_path / "status.json"
    credential.write_bytes(with_status("did:example:c4"))
    documents = tmp_path / "documents"
    documents.mkdir()
    pinned = {"url": STATUS_LIST_URL, "document": status_list()}
    (documents / "status.json").write_text(json.dumps(pinned))

    offline = run_verify(capsys, "--json", str(credential))
    with_list = run_verify(
        capsys, "--json", str(credential), settings_args=("--documents", str(documents))
    )

    status = {r["file"]: r for r in json.loads(offline[1])}[str(credential)]
    assert {c["check"]: c["outcome"] for c in status["checks"]}["status"] == "unknown"
    listed = json.loads(with_list[1])[0]
    assert {c["check"]: c["outcome"] for c in listed["checks"]}["status"] == "passed"


def test_cli_verify_reads_a_baked_open_badges_2_png(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo).decode()
    ob2 = "https://w3id.org/openbadges/v2"
    pin(
        tmp_path / "documents",
        {
            ISSUER_ID: {"@context": ob2, "type": "Issuer", "id": ISSUER_ID, "name": "College"}
            | {"url": ORG, "publicKey": KEY_ID},
            BADGE_ID: {"@context": ob2, "type": "BadgeClass", "id": BADGE_ID, "name": "SQL"}
            | {"description": "SQL.", "criteria": {"narrative": "Exam."}, "issuer": ISSUER_ID},
            KEY_ID: {"type": "CryptographicKey", "id": KEY_ID, "owner": ISSUER_ID}
            | {"publicKeyPem": pem},
        },
    )
    assertion = {
        "@context": ob2,
        "type": "Assertion",
        "id": "urn:uuid:0b6f1d2e-3c4a-4f5b-8a9c-1d2e3f4a5b6c",
        "recipient": {"type": "email", "hashed": False, "identity": "pat@example.org"},
        "issuedOn": "2024-05-01T00:00:00Z",
        "badge": BADGE_ID,
        "verification": {"type": "SignedBadge", "creator": KEY_ID},
    }
    badge = tmp_path / "badge.png"
    badge.write_bytes(bake_png(png(), sign_ob2_assertion(assertion, key)))

    code, out, _ = run_verify(
        capsys, "--json", str(badge), settings_args=("--documents", str(tmp_path / "documents"))
    )

    assert code == 0, out
    (report,) = json.loads(out)
    assert (report["verified"], report["format"], report["issuer"]["id"]) == (
        True,
        "ob2",
        ISSUER_ID,
    )


def test_cli_verify_under_a_tenants_policy(
    runtime: Runtime, tenant: Tenant, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    database = ("--database-url", runtime.settings.resolved_database_url)
    credential = tmp_path / "status.json"
    credential.write_bytes(with_status("did:example:c5"))
    policy = tmp_path / "policy.json"
    policy.write_text(json.dumps({"unknownStatus": "reject"}))
    assert main([*database, "trust", "set", "--tenant", tenant.name, str(policy)]) == 0
    before = stored_rows(runtime, tenant)

    code, out, _ = run_verify(
        capsys, "--json", "--tenant", tenant.name, str(credential), settings_args=database
    )
    table_code, table, _ = run_verify(
        capsys, "--tenant", tenant.name, str(credential), settings_args=database
    )
    unknown_tenant = run_verify(
        capsys, "--tenant", "nobody-here", str(credential), settings_args=database
    )

    assert stored_rows(runtime, tenant) == before
    assert (code, table_code) == (1, 1)
    report = json.loads(out)[0]
    assert report["verified"] is False
    assert (report["trust"]["unknownStatus"], report["trust"]["code"]) == (
        "reject",
        "status-unknown",
    )
    assert "status-unknown" in table
    assert unknown_tenant[0] == 2
    assert "no tenant 'nobody-here'" in unknown_tenant[2]
    with unit_of_work(runtime.sessions) as session:
        assert registry.find_tenant(session, "nobody-here") is None


def test_cli_verify_missing_file_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = tmp_path / "good.json"
    good.write_text(json.dumps(signed("did:example:c6")))
    missing = tmp_path / "missing.json"

    code, out, err = run_verify(capsys, str(good), str(missing))

    assert code == 2
    assert out == ""
    assert f"no such file: {missing}" in " ".join(err.split())  # the console wraps lines
