"""Over real HTTP, on SQLite and PostgreSQL: CLR bundles, issuer trust policies, recipients."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from service.app import create_app
from service.runtime import Runtime
from service.samples import SampleAchievement, SampleIssuer
from service.serving import BackgroundServer
from tests.service.conftest import ESCO, Tenant

PYTHON = ESCO + "ccd0a1d9-afda-43d9-b901-96344886e14d"
SQL = ESCO + "598de5b0-5b58-4ea7-8058-a4bc4d18c742"
PYTHON_BADGE = SampleAchievement(
    slug="python", name="Python", description="Python.", aligned_skill_uris=(PYTHON,)
)
SQL_BADGE = SampleAchievement(slug="sql", name="SQL", description="SQL.", aligned_skill_uris=(SQL,))
JOB = {"skills": [{"uri": PYTHON, "mustHave": True}]}


@pytest.fixture(scope="module")
def server(runtime: Runtime) -> Iterator[httpx.Client]:
    app = create_app(runtime.settings, runtime=runtime)
    with BackgroundServer(app) as running, httpx.Client(base_url=running.url, timeout=60) as client:
        yield client


def _post(client: httpx.Client, tenant: Tenant, document: Any, **headers: str) -> httpx.Response:
    return client.post(
        "/v1/credentials", json=document, headers={**tenant.headers("ingest"), **headers}
    )


def _clr(registrar: SampleIssuer, subject: str, nested: list[dict[str, Any]]) -> dict[str, Any]:
    return registrar.clr(subject, nested)


# -- CLR 2.0 -------------------------------------------------------------------------------


def test_clr_bundle_stores_each_verified_nested_credential_and_quarantines_a_forged_one(
    server: httpx.Client, tenant: Tenant
) -> None:
    registrar = SampleIssuer(name="Registrar", domain="registrar.example")
    college, academy = (
        SampleIssuer(name="College", domain="college.example"),
        SampleIssuer(name="Academy", domain="academy.example"),
    )
    forged = academy.issue(PYTHON_BADGE, "did:example:dana")
    forged["name"] = "Python (Expert)"  # altered after its issuer signed it
    clr = _clr(
        registrar,
        "did:example:dana",
        [
            college.issue(SQL_BADGE, "did:example:dana"),
            academy.issue(PYTHON_BADGE, "did:example:dana"),
            forged,
        ],
    )

    response = _post(server, tenant, clr)
    again = _post(server, tenant, clr)

    assert response.status_code == 201, response.text
    body = response.json()
    assert body["credential"]["format"] == "clr-jsonld"
    bundle_id = body["credential"]["id"]
    nested = body["nested"]
    assert [n["accepted"] for n in nested] == [True, True, False]
    assert [n["credential"]["issuer"]["id"] for n in nested[:2]] == [college.did, academy.did]
    assert all(n["credential"]["bundleId"] == bundle_id for n in nested[:2])
    assert [n["skills"][0]["skill"]["uri"] for n in nested[:2]] == [SQL, PYTHON]
    assert nested[2]["code"] == "verification-failed"
    assert f"nested in CLR bundle {bundle_id}" in nested[2]["detail"]
    assert {"check": "proof", "outcome": "failed"}.items() <= next(
        c for c in nested[2]["checks"] if c["check"] == "proof"
    ).items()
    kept = server.get(
        f"/v1/quarantine/{nested[2]['quarantineId']}", headers=tenant.headers("ingest")
    )
    assert kept.status_code == 200
    assert again.status_code == 200
    assert [n["created"] for n in again.json()["nested"]] == [False, False]

    match = server.post("/v1/match", json=JOB, headers=tenant.headers("matcher")).json()
    proof = match["candidates"][0]["matched"][0]["credentials"][0]
    assert match["candidates"][0]["candidateId"] == "did:example:dana"
    assert (proof["issuer"]["id"], proof["bundleId"]) == (academy.did, bundle_id)


def test_clr_bundle_failing_its_own_proof_is_quarantined_whole(
    server: httpx.Client, tenant: Tenant
) -> None:
    registrar, college = (
        SampleIssuer("Registrar", "r.example"),
        SampleIssuer("College", "c.example"),
    )
    clr = _clr(registrar, "did:example:eve", [college.issue(SQL_BADGE, "did:example:eve")])
    clr["name"] = "Forged transcript"

    response = _post(server, tenant, clr)

    assert response.status_code == 422
    assert response.json()["code"] == "verification-failed"
    profile = server.get("/v1/candidates/did:example:eve", headers=tenant.headers("recruiter"))
    assert profile.status_code == 404


# -- issuer trust policy --------------------------------------------------------------------


def _put_policy(
    client: httpx.Client, tenant: Tenant, policy: dict[str, Any], role: str = "admin"
) -> httpx.Response:
    return client.put("/v1/trust-policy", json=policy, headers=tenant.headers(role))


def test_trust_policy_is_admin_only_and_validated(server: httpx.Client, tenant: Tenant) -> None:
    default = server.get("/v1/trust-policy", headers=tenant.headers("matcher"))
    refused = _put_policy(server, tenant, {"acceptUntrusted": False}, role="ingest")
    bad_domain = _put_policy(
        server, tenant, {"trusted": [{"kind": "domain", "value": "https://x.test"}]}
    )
    bad_weight = _put_policy(server, tenant, {"untrustedWeight": 2})

    assert default.json() == {
        "trusted": [],
        "acceptUntrusted": True,
        "untrustedWeight": 1.0,
        "open": True,
        "allowOtherHolders": False,
        "unknownStatus": "accept",
    }
    assert refused.status_code == 403
    assert bad_domain.status_code == 422  # a rule beyond the schema
    assert bad_domain.json()["type"].endswith("/unprocessable-request")
    assert "host name" in bad_domain.json()["detail"]
    assert bad_weight.status_code == 400
    assert bad_weight.headers["content-type"].startswith("application/problem+json")


def test_untrusted_issuer_is_quarantined_then_accepted_once_trusted(
    server: httpx.Client, tenant: Tenant
) -> None:
    trusted, stranger = (
        SampleIssuer("Trusted U", "t.example"),
        SampleIssuer("Stranger", "s.example"),
    )
    policy = {
        "trusted": [{"kind": "issuer", "value": trusted.did, "name": "Trusted U"}],
        "acceptUntrusted": False,
    }
    assert _put_policy(server, tenant, policy).status_code == 200

    accepted = _post(server, tenant, trusted.issue(PYTHON_BADGE, "did:example:fay"))
    rejected = _post(server, tenant, stranger.issue(PYTHON_BADGE, "did:example:gus"))

    assert accepted.status_code == 201
    trust = next(c for c in accepted.json()["credential"]["checks"] if c["check"] == "trust")
    assert trust["outcome"] == "passed"
    assert "Trusted U" in trust["detail"]
    assert rejected.status_code == 422
    problem = rejected.json()
    assert problem["code"] == "untrusted-issuer"

    policy["trusted"].append({"kind": "issuer", "value": stranger.did, "weight": 0.5})
    assert _put_policy(server, tenant, policy).status_code == 200
    retried = server.post(
        f"/v1/quarantine/{problem['quarantineId']}/retry", headers=tenant.headers("ingest")
    )
    assert retried.status_code == 201, retried.text
    gone = server.get(f"/v1/quarantine/{problem['quarantineId']}", headers=tenant.headers("ingest"))
    assert gone.status_code == 404

    ranked = server.post("/v1/match", json=JOB, headers=tenant.headers("matcher")).json()
    scores = {c["candidateId"]: c["score"] for c in ranked["candidates"]}
    assert scores["did:example:fay"] == pytest.approx(2 * scores["did:example:gus"], rel=1e-3)
    gus = next(c for c in ranked["candidates"] if c["candidateId"] == "did:example:gus")
    proof = gus["matched"][0]["credentials"][0]
    assert (proof["issuerTrusted"], proof["issuerWeight"]) == (True, 0.5)


def test_untrusted_issuers_count_less_and_can_be_filtered_out(
    server: httpx.Client, tenant: Tenant
) -> None:
    trusted, stranger = (
        SampleIssuer("Trusted U", "t.example"),
        SampleIssuer("Stranger", "s.example"),
    )
    for issuer, holder in [(trusted, "did:example:hal"), (stranger, "did:example:ida")]:
        assert _post(server, tenant, issuer.issue(PYTHON_BADGE, holder)).status_code == 201
    policy = {"trusted": [{"kind": "issuer", "value": trusted.did}], "untrustedWeight": 0.25}
    assert _put_policy(server, tenant, policy).status_code == 200
    assessed = server.get(
        "/v1/trust-policy/assess",
        params={"issuer": stranger.did},
        headers=tenant.headers("recruiter"),
    ).json()

    everyone = server.post("/v1/match", json=JOB, headers=tenant.headers("matcher")).json()
    trusted_only = server.post(
        "/v1/match", json={**JOB, "trustedIssuersOnly": True}, headers=tenant.headers("matcher")
    ).json()

    assert (assessed["trusted"], assessed["weight"]) == (False, 0.25)
    scores = {c["candidateId"]: c["score"] for c in everyone["candidates"]}
    assert scores["did:example:hal"] == pytest.approx(4 * scores["did:example:ida"], rel=1e-3)
    ida = next(c for c in everyone["candidates"] if c["candidateId"] == "did:example:ida")
    proof = ida["matched"][0]["credentials"][0]
    assert (proof["issuerTrusted"], proof["issuerWeight"]) == (False, 0.25)
    assert [c["candidateId"] for c in trusted_only["candidates"]] == ["did:example:hal"]


# -- recipient email ------------------------------------------------------------------------


def test_recipient_email_header_checks_the_subject_identifier(
    server: httpx.Client, tenant: Tenant
) -> None:
    issuer = SampleIssuer("Issuer", "i.example")
    document = issuer.credential(PYTHON_BADGE, "did:example:jo")
    salted = "sha256$" + hashlib.sha256(b"jo@example.org" + b"s4lt").hexdigest()
    document["credentialSubject"]["identifier"] = [
        {
            "type": "IdentityObject",
            "identityType": "emailAddress",
            "hashed": True,
            "identityHash": salted,
            "salt": "s4lt",
        }
    ]
    signed = issuer.sign(document)
    header = "Credmatch-Recipient-Email"

    wrong = _post(server, tenant, signed, **{header: "someone@example.org"})
    right = _post(server, tenant, signed, **{header: "Jo@Example.org"})

    assert wrong.status_code == 422
    failed = next(c for c in wrong.json()["checks"] if c["check"] == "recipient")
    assert failed["outcome"] == "failed"
    assert right.status_code == 201, right.text
    passed = next(c for c in right.json()["credential"]["checks"] if c["check"] == "recipient")
    assert passed["outcome"] == "passed"
