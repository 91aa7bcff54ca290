"""Wallets present credentials: challenges, presentation checks, ingest, on both databases."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from service.app import create_app
from service.credentials.presentations import issue_challenge
from service.db.engine import unit_of_work
from service.keys.auth import authenticate
from service.runtime import Runtime
from service.samples import SampleAchievement, SampleIssuer
from service.serving import BackgroundServer
from tests.service.conftest import ESCO, Tenant
from tests.service.credentials.wallet_testkit import Wallet

PYTHON = SampleAchievement(
    slug="py",
    name="Python",
    description="Python.",
    aligned_skill_uris=(ESCO + "ccd0a1d9-afda-43d9-b901-96344886e14d",),
)
ISSUER = SampleIssuer(name="Uni", domain="uni.example")
JSON = {"Content-Type": "application/json"}


@pytest.fixture(scope="module")
def client(runtime: Runtime) -> Iterator[httpx.Client]:
    app = create_app(runtime.settings, runtime=runtime)
    with BackgroundServer(app) as running, httpx.Client(base_url=running.url, timeout=60) as c:
        yield c


def challenge(client: httpx.Client, tenant: Tenant, **params: str) -> dict[str, Any]:
    response = client.post(
        "/v1/presentations/challenges", params=params, headers=tenant.headers("ingest")
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def present(
    client: httpx.Client, tenant: Tenant, body: dict[str, Any] | str, **params: str
) -> httpx.Response:
    content = body.encode() if isinstance(body, str) else json.dumps(body).encode()
    return client.post(
        "/v1/presentations",
        params=params,
        content=content,
        headers={**tenant.headers("ingest"), **JSON},
    )


def problem(response: httpx.Response, kind: str) -> dict[str, Any]:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["type"].endswith("/" + kind), body
    return body


def test_a_challenge_is_random_expiring_and_names_the_domain(
    client: httpx.Client, tenant: Tenant, runtime: Runtime
) -> None:
    first, second = challenge(client, tenant), challenge(client, tenant, candidateId="ana")
    assert first["challenge"] != second["challenge"]
    assert len(first["challenge"]) >= 22  # 128 bits or more, base64url
    assert first["domain"] == runtime.settings.resolved_presentation_domain
    expires = datetime.fromisoformat(first["expiresAt"])
    lifetime = timedelta(seconds=runtime.settings.presentation.challenge_seconds)
    assert timedelta(0) < expires - datetime.now(UTC) <= lifetime
    assert second["candidateId"] == "ana"


def test_a_presentation_is_checked_and_its_credentials_ingested_once(
    client: httpx.Client, tenant: Tenant
) -> None:
    wallet = Wallet()
    issued = challenge(client, tenant)
    vp = wallet.presentation(
        [ISSUER.issue(PYTHON, wallet.did)], challenge=issued["challenge"], domain=issued["domain"]
    )
    response = present(client, tenant, vp, candidateId="ana")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["holder"] == wallet.did
    assert body["candidateId"] == "ana"
    assert {c["check"]: c["outcome"] for c in body["checks"]} == {
        "presentation": "passed",
        "proof": "passed",
        "key": "passed",
        "holder": "passed",
        "domain": "passed",
        "challenge": "passed",
    }
    [stored] = body["credentials"]
    assert stored["status"] == 201
    assert stored["credential"]["verified"] is True
    assert stored["skills"][0]["skill"]["label"] == "Python (computer programming)"
    candidate = client.get("/v1/candidates/ana", headers=tenant.headers("ingest"))
    assert candidate.status_code == 200
    replay = problem(present(client, tenant, vp, candidateId="ana"), "challenge-used")
    assert {c["check"]: c["outcome"] for c in replay["checks"]}["challenge"] == "failed"
    [kept] = replay["quarantineIds"]
    quarantined = client.get(f"/v1/quarantine/{kept}", headers=tenant.headers("ingest")).json()
    assert quarantined["reasonCode"] == "presentation-rejected"
    assert "challenge-used" in quarantined["reason"]


def test_a_challenge_is_one_this_tenant_issued_and_unexpired(
    client: httpx.Client, tenant: Tenant, runtime: Runtime
) -> None:
    wallet = Wallet()
    domain = runtime.settings.resolved_presentation_domain
    unknown = wallet.presentation([], challenge="never-issued", domain=domain)
    problem(present(client, tenant, unknown), "challenge-unknown")
    problem(
        present(
            client, tenant, wallet.presentation([], challenge="", domain=domain) | {"proof": {}}
        ),
        "presentation-invalid",
    )
    expired_settings = runtime.settings.replaced(presentation_challenge_seconds=-1)
    with unit_of_work(runtime.sessions) as session:
        principal = authenticate(session, tenant.headers("ingest")["Authorization"])
        stale = issue_challenge(session, expired_settings, tenant_id=principal.tenant_id).challenge
    expired = wallet.presentation([], challenge=stale, domain=domain)
    problem(present(client, tenant, expired), "challenge-expired")
    other_tenant = Tenant(runtime)
    foreign = challenge(client, other_tenant)["challenge"]
    problem(
        present(client, tenant, wallet.presentation([], challenge=foreign, domain=domain)),
        ("challenge-unknown"),
    )


def test_a_broken_proof_is_rejected_without_using_the_challenge(
    client: httpx.Client, tenant: Tenant
) -> None:
    wallet, thief = Wallet(), Wallet()
    issued = challenge(client, tenant)
    credential = ISSUER.issue(PYTHON, wallet.did)
    forged = thief.presentation(
        [credential], challenge=issued["challenge"], domain=issued["domain"]
    )
    forged["holder"] = wallet.did  # the thief claims to be the holder; its key is not theirs
    forged_body = problem(present(client, tenant, forged), "presentation-invalid")
    assert {c["check"]: c["outcome"] for c in forged_body["checks"]}["challenge"] == "unknown"
    assert len(forged_body["quarantineIds"]) == 1  # nothing is lost
    genuine = wallet.presentation(
        [credential], challenge=issued["challenge"], domain=issued["domain"]
    )
    assert present(client, tenant, genuine).status_code == 200


def test_a_presentation_for_another_domain_is_refused(client: httpx.Client, tenant: Tenant) -> None:
    wallet = Wallet()
    issued = challenge(client, tenant)
    vp = wallet.presentation([], challenge=issued["challenge"], domain="https://other.example")
    problem(present(client, tenant, vp), "domain-mismatch")


def test_credentials_of_another_subject_need_the_policy(
    client: httpx.Client, tenant: Tenant
) -> None:
    wallet = Wallet()
    someone_elses = ISSUER.issue(PYTHON, "did:example:someone-else")
    issued = challenge(client, tenant)
    vp = wallet.presentation(
        [someone_elses], challenge=issued["challenge"], domain=issued["domain"]
    )
    refused = problem(present(client, tenant, vp), "holder-mismatch")
    assert len(refused["quarantineIds"]) == 1
    policy = client.put(
        "/v1/trust-policy", json={"allowOtherHolders": True}, headers=tenant.headers("admin")
    )
    assert policy.status_code == 200, policy.text
    assert policy.json()["allowOtherHolders"] is True
    issued = challenge(client, tenant)
    vp = wallet.presentation(
        [someone_elses], challenge=issued["challenge"], domain=issued["domain"]
    )
    accepted = present(client, tenant, vp, candidateId="someone")
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["credentials"][0]["status"] == 201


def test_a_challenge_bound_to_a_candidate_names_the_candidate(
    client: httpx.Client, tenant: Tenant
) -> None:
    wallet = Wallet()
    issued = challenge(client, tenant, candidateId="bea")
    vp = wallet.presentation(
        [ISSUER.issue(PYTHON, wallet.did)], challenge=issued["challenge"], domain=issued["domain"]
    )
    problem(present(client, tenant, vp, candidateId="other"), "challenge-unknown")
    accepted = present(client, tenant, vp)
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["candidateId"] == "bea"


def test_a_vp_jwt_is_accepted_and_a_bad_credential_in_it_quarantined(
    client: httpx.Client, tenant: Tenant
) -> None:
    wallet = Wallet()
    issued = challenge(client, tenant)
    good = ISSUER.issue(PYTHON, wallet.did)
    altered = ISSUER.issue(PYTHON, wallet.did)
    altered["name"] = "Altered after signing"
    token = wallet.vp_jwt([good, altered], challenge=issued["challenge"], domain=issued["domain"])
    response = present(client, tenant, token, candidateId="cy")
    assert response.status_code == 200, response.text
    first, second = response.json()["credentials"]
    assert (first["status"], second["status"]) == (201, 422)
    assert second["code"] == "verification-failed"
    assert second["quarantineId"] is not None
